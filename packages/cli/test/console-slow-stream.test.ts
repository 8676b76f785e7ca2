// The console's event stream and a page that does not keep up: a client that never reads is sent fewer events, not
// buffered for (the server holds at most one event beyond what its socket took), and its stream goes on once it reads
// again; a transaction list that did not change is not sent again each tick; a read of the log that never settles is
// given up after LOG_READ_TICKS ticks (the ring shown with `timeout`, then `busy`: no second query on top of it), and
// the next read once it settled lists from the log again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import fastify from 'fastify';
import type { Connector, TransactionLog } from '@iso8583/connector';
import { TransactionRing } from '../src/index.js';
import { LOG_READ_TICKS, mountConsole } from '../src/console/routes.js';
import type { FigureSource } from '../src/console/figures.js';
import { tickCounter } from './helpers/console-ticks.js';

/**
 * A connector as the figures read it: its stats (with `codes` response codes counted, each named in `width`
 * characters), and a transaction log.
 */
function fakeConnector(codes: number, transactionLog?: Pick<TransactionLog, 'query'>, width = 10): Connector {
  const byResponseCode = Object.fromEntries(Array.from({ length: codes }, (_, i) => [`code${String(i).padStart(6, '0')}`.padEnd(width, '-'), 1]));
  const stats = { requests: 0, responses: 0, timeouts: 0, errors: 0, byResponseCode, connected: 1, inFlight: 0, pending: 0, reversalsPending: 0 };
  return { stats: () => stats, transactionLog } as unknown as Connector;
}

/** A console on a port of its own, ticking every 100 ms; `ticks()` resolves once `n` more ticks were read. */
async function consoleApp(source: Omit<FigureSource, 'endpoints'>) {
  const app = fastify();
  const sockets: Socket[] = [];
  app.server.on('connection', (s: Socket) => sockets.push(s));
  const { endpoints, ticks, read } = tickCounter();
  mountConsole(app, { source: { ...source, endpoints }, ring: new TransactionRing(), targets: () => ({}), tick: 100 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return { app, port, sockets, ticks, read };
}

/** A console (as {@link consoleApp}) over a connector whose transaction log is `log`, its stream opened (closed after the test). */
async function streamOverLog(t: { after(fn: () => Promise<void>): void }, log: TransactionLog) {
  const { app, port, ticks } = await consoleApp({ connectors: () => ({ bank: fakeConnector(2, log) }) });
  const client = await openStream(port);
  t.after(async () => {
    client.destroy();
    await app.close();
  });
  return { client, ticks };
}

/** Opens `/console/events` on a raw socket (not read until told). */
function openStream(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const client = connect(port, '127.0.0.1', () => {
      client.write('GET /console/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      resolve(client);
    }).on('error', reject);
  });
}

/** Counts `pattern` in what `client` reads from now on (a match split between two chunks counted once). */
function counter(client: Socket, pattern: string): () => number {
  let carry = '';
  let n = 0;
  client.setEncoding('utf8').on('data', (chunk: string) => {
    const text = carry + chunk;
    n += text.split(pattern).length - 1;
    carry = text.slice(-(pattern.length - 1));
  });
  return () => n;
}

test('console – a stream that is not read is sent fewer events, not buffered for; it goes on once read again', async (t) => {
  // Snapshots of about 2 MB: the sockets' buffers (a few MB on loopback) are full within a few ticks. Made of 2,000
  // long names, not 140,000 short ones: the same bytes at a fraction of the work (each tick copies the counts into a
  // snapshot, and the figures keep the snapshots).
  const connector = fakeConnector(2_000, undefined, 1_000);
  const { app, port, sockets, ticks, read } = await consoleApp({ connectors: () => ({ bank: connector }) });
  const client = await openStream(port);
  // The stream's hello carries the snapshots read so far (the charts' history): it is written whole, once.
  const history = read() + 1;
  t.after(async () => {
    client.destroy();
    await app.close();
  });
  client.pause();
  const event = JSON.stringify({ byResponseCode: connector.stats().byResponseCode }).length + 1024;
  let most = 0;
  for (let i = 0; i < 20; i++) {
    await ticks(1);
    for (const s of sockets) most = Math.max(most, s.writableLength);
  }
  // At most the hello and one event; without the bound, 20 ticks of 2 MB less what the kernel took (some 40 MB less 4)
  // wait in the server's memory.
  assert.ok(most <= (history + 1) * event, `the server held ${most} bytes for a stream that is not read (hello ${history} snapshots, an event ${event})`);

  const figures = counter(client, 'event: figures');
  client.resume();
  await ticks(4);
  // Read again: the events that come after the socket took the rest are sent (the stream was not given up).
  for (let i = 0; figures() < 2; i++) {
    assert.ok(i < 100, 'no figures within 100 ticks of reading again');
    await ticks(1);
  }
});

test('console – a transaction list read from the log that did not change is not sent again each tick', async (t) => {
  let queries = 0;
  const log = {
    query: async () => {
      queries += 1;
      return [];
    },
  } as unknown as TransactionLog;
  const { client, ticks } = await streamOverLog(t, log);
  const recent = counter(client, 'event: recent');
  const figures = counter(client, 'event: figures');
  while (figures() < 5) await ticks(1);
  assert.ok(queries >= 5, `the log is read each tick (${queries})`);
  assert.equal(recent(), 1, 'the list once: it did not change');
});

test('console – a read of the log that does not settle is given up (the ring, timeout), and no other query starts until it settles (busy)', async (t) => {
  let queries = 0;
  let release: (items: unknown[]) => void = () => undefined;
  const log = {
    // The first read hangs (a custom log, a stuck mount) until released; the later ones answer.
    query: (): Promise<unknown[]> => (++queries === 1 ? new Promise((resolve) => (release = resolve)) : Promise.resolve([])),
  } as unknown as TransactionLog;
  const { client, ticks } = await streamOverLog(t, log);
  const timedOut = counter(client, '"source":"ring","logError":"timeout"');
  const busy = counter(client, '"source":"ring","logError":"busy"');
  const fromLog = counter(client, '"source":"log"');
  for (let i = 0; busy() < 1; i++) {
    assert.ok(i < 20 * LOG_READ_TICKS, `no busy answer within ${i} ticks (${queries} queries, ${timedOut()} timeouts)`);
    await ticks(1);
  }
  // Several times the read's allowance more: the hung query is the only one.
  await ticks(4 * LOG_READ_TICKS);
  assert.equal(queries, 1, 'one query of the log in flight, however many ticks it hangs');
  assert.equal(timedOut(), 1, 'the hung read answered from the ring with a timeout, once');
  assert.equal(fromLog(), 0);
  // It settles (late: its answer ignored); the next tick reads the log again.
  release([]);
  for (let i = 0; fromLog() < 1; i++) {
    assert.ok(i < 20 * LOG_READ_TICKS, `no list from the log within ${i} ticks of the hung read settling (${queries} queries)`);
    await ticks(1);
  }
  assert.equal(queries, 2, 'a fresh read once the hung one settled');
});

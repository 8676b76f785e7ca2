// The PostgreSQL transaction log behind a connection that goes silent (a firewall or a dead host that drops it without
// a word): the batch in flight fails with a coded cause after the statement timeout, instead of waiting forever, and
// the log stores it once a new connection works.
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { waitUntil } from '@iso8583/test-support';
import { PgTransactionLog } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { capturedLogger } from './helpers/setup.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases({ shared: true });
before(() => pgs.start());
after(() => pgs.destroy());

/** A TCP proxy to the database that can go silent: its connections then stop forwarding, never closing. */
async function silentProxy(target: number): Promise<{ port: number; silence(): void; resume(): void; close(): Promise<void> }> {
  const links = new Set<{ cut: boolean; sockets: Socket[] }>();
  let silent = false;
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    const link = { cut: silent, sockets: [client, upstream] };
    links.add(link);
    client.on('data', (d) => (link.cut ? undefined : upstream.write(d)));
    upstream.on('data', (d) => (link.cut ? undefined : client.write(d)));
    for (const s of link.sockets) {
      s.on('error', () => undefined);
      s.on('close', () => link.sockets.forEach((o) => o.destroy()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    silence(): void {
      silent = true;
      for (const link of links) link.cut = true;
    },
    resume(): void {
      silent = false; // new connections only: the silent ones stay silent
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const link of links) link.sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

test('a batch on a connection gone silent fails after statementTimeout with a coded cause; the log stores it on a new connection', async (t) => {
  const url = new URL(pgs.database('silent_link'));
  const proxy = await silentProxy(Number(url.port));
  t.after(() => proxy.close());
  url.port = String(proxy.port);
  const { logger, lines } = capturedLogger('info');
  const log = new PgTransactionLog({ connectionString: url.toString(), statementTimeout: 300, retryDelay: 20, maxRetryDelay: 100, logger });
  t.after(() => log.close());
  await log.open();
  await log.record(sampleRecord(1));

  proxy.silence();
  const stored = log.record(sampleRecord(2));
  await waitUntil(() => log.stats().failedBatches >= 1, { what: 'the batch on the silent connection to fail' });
  const warning = lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_UNAVAILABLE');
  assert.equal(warning?.['cause'], 'timeout');

  proxy.resume();
  await stored;
  assert.deepEqual((await log.query({})).map((r) => r.stan), [sampleRecord(2).stan, sampleRecord(1).stan]);
});

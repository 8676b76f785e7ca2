// The console's reads of the transaction log: one at a time, and their lists sent in the order read. Before, a read
// that took longer than a tick had a new one started on top of it each second (a slow disk or a database in trouble
// given one more query a second), and an older read answered after a newer one was sent over it (the page showed the
// older list, a transaction it had shown gone again, until the next tick). A real Fastify app on 127.0.0.1; the log's
// first read is held open by a gate, for fewer ticks than a read is given (LOG_READ_TICKS: console-slow-stream).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import fastify from 'fastify';
import type { Connector, TransactionLog, TransactionRecord } from '@iso8583/connector';
import { TransactionRing } from '../src/index.js';
import { LOG_READ_TICKS, mountConsole } from '../src/console/routes.js';
import { tickCounter } from './helpers/console-ticks.js';

const STATS = { requests: 0, responses: 0, timeouts: 0, errors: 0, byResponseCode: {}, reversalsPending: 0, connected: 1, inFlight: 0, pending: 0 };
const AT = Date.UTC(2026, 11, 4, 12, 0, 0);
const record = (stan: string, at: number): TransactionRecord =>
  ({ at, node: 'gw-1:4242', upstream: 'bank', mti: '0200', latencyMs: 3, outcome: 'approved', stan, terminal: 'TERM0001', responseCode: '00' }) as TransactionRecord;
const OLD = [record('000001', AT)];
const NEW = [record('000002', AT + 1000), ...OLD];

test('console – a slow read of the log is not read again on top of it, and an older list is never sent over a newer one', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let queries = 0;
  let open = 0;
  let most = 0;
  const log = {
    query: async () => {
      queries += 1;
      open += 1;
      most = Math.max(most, open);
      try {
        // The first read (at the stream's open) answers late, with the list as it was then.
        if (queries === 1) {
          await held;
          return OLD;
        }
        return NEW;
      } finally {
        open -= 1;
      }
    },
  } as unknown as TransactionLog;
  // Ticks counted as the figures read the endpoints; `ticks(n)` resolves once n more were read and their pushes ran.
  const { endpoints, ticks } = tickCounter();
  const app = fastify();
  const bank = { stats: () => STATS, transactionLog: log } as unknown as Connector;
  mountConsole(app, { source: { connectors: () => ({ bank }), endpoints }, ring: new TransactionRing(), targets: () => ({}), tick: 30 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const events: string[][] = [];
  const seen: (() => void)[] = [];
  let res: IncomingMessage | undefined;
  get(`http://127.0.0.1:${port}/console/events`, (r) => {
    res = r;
    let text = '';
    r.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
      for (let end = text.indexOf('\n\n'); end >= 0; end = text.indexOf('\n\n')) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const m = /^event: recent\ndata: (.*)$/s.exec(block);
        if (m === null) continue;
        events.push((JSON.parse(m[1] as string) as { items: TransactionRecord[] }).items.map((i) => i.stan as string));
        for (const f of seen.splice(0)) f();
      }
    });
  });
  t.after(async () => {
    release();
    res?.destroy();
    await app.close();
  });
  const shown = (n: number) => new Promise<void>((resolve) => {
    const check = () => (events.length >= n ? resolve() : seen.push(check));
    check();
  });
  while (queries === 0) await ticks(1);
  // Ticks while the first read is held, short of its deadline (LOG_READ_TICKS; the loop above may have seen one tick of
  // it): none starts another.
  await ticks(LOG_READ_TICKS - 2);
  assert.equal(queries, 1, 'no read of the log on top of the one under way');
  assert.deepEqual(events, [], 'nothing to show yet');
  release();
  await shown(2);
  await ticks(5);
  assert.deepEqual(events, [['000001'], ['000002', '000001']], 'the lists in the order read, never the older one after the newer');
  assert.equal(most, 1, 'one read at a time');
});

// Two reads of the transaction log for one event stream can answer out of order (a slow read at the stream's open, a
// quick one at the next tick): the older answer must not be sent over the newer one. Before, the page showed the older
// list (a transaction it had shown gone again) until the next tick. A real Fastify app on 127.0.0.1; the log's first
// read is held open by a gate and let go once the newer list was sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import fastify from 'fastify';
import type { Connector, TransactionLog, TransactionRecord } from '@iso8583/connector';
import { TransactionRing } from '../src/index.js';
import { mountConsole } from '../src/console/routes.js';

const STATS = { requests: 0, responses: 0, timeouts: 0, errors: 0, byResponseCode: {}, reversalsPending: 0, connected: 1, inFlight: 0, pending: 0 };
const AT = Date.UTC(2026, 11, 4, 12, 0, 0);
const record = (stan: string, at: number): TransactionRecord =>
  ({ at, node: 'gw-1:4242', upstream: 'bank', mti: '0200', latencyMs: 3, outcome: 'approved', stan, terminal: 'TERM0001', responseCode: '00' }) as TransactionRecord;
const OLD = [record('000001', AT)];
const NEW = [record('000002', AT + 1000), ...OLD];

test('console – a read of the log answered after a newer one is not sent over it', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let queries = 0;
  const queried: (() => void)[] = [];
  const log = {
    query: async () => {
      queries += 1;
      for (const f of queried.splice(0)) f();
      // The first read (at the stream's open) answers late, with the list as it was then.
      if (queries === 1) {
        await held;
        return OLD;
      }
      return NEW;
    },
  } as unknown as TransactionLog;
  const afterQueries = (n: number) => new Promise<void>((resolve) => {
    const check = () => (queries >= n ? resolve() : queried.push(check));
    check();
  });
  const app = fastify();
  mountConsole(app, { source: { connectors: () => ({ bank: { stats: () => STATS, transactionLog: log } as unknown as Connector }) }, ring: new TransactionRing(), targets: () => ({}), tick: 50 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const events: string[][] = [];
  let res: IncomingMessage | undefined;
  const newShown = new Promise<void>((resolve, reject) => {
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
          resolve();
        }
      });
    }).on('error', reject);
  });
  t.after(async () => {
    release();
    res?.destroy();
    await app.close();
  });
  await newShown;
  assert.deepEqual(events, [['000002', '000001']], 'the newer list, read at a tick while the first read is held');
  // The first read answers now, with the older list; the ticks after it read the newer one again.
  const seen = queries;
  release();
  await afterQueries(seen + 3);
  // The third read's answer has been taken by the stream once the next read starts.
  await afterQueries(seen + 4);
  assert.deepEqual(events, [['000002', '000001']], 'the older answer was not sent over the newer list');
});

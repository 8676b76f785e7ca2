// GET {prefix}/transactions on the Fastify plugin's routes, over real HTTP: the connector's log queried, newest first;
// a bad parameter answered 400 naming it; a key that is no filter answered as `query`, the key itself never repeated
// (a client that put a track or a PAN in the query string must not get it back); no route without a log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { FileTransactionLog, iso8583Connector, parseTransactionQuery } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

const PAN = '4761739001010010';

test('plugin – GET {prefix}/transactions answers from the connector\'s log; 400 names a bad parameter', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-txroute-'));
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message, r.message['11'] === '000002' ? { '39': '05' } : {})));
  const log = new FileTransactionLog(dir);
  const app = Fastify();
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, transactionLog: log, routes: { prefix: '/bank' } });
  await app.register(iso8583Connector, { name: 'plain', host: '127.0.0.1', port: peer.port, routes: { prefix: '/plain' } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await log.close();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await app.iso8583.bank?.request(purchase('000001', 'TERMA001'));
  await app.iso8583.bank?.request(purchase('000002', 'TERMA001'));
  const get = async (path: string): Promise<{ status: number; body: { result: TransactionRecord[] | null; errors: { code: string; field?: string }[] } }> => {
    const res = await fetch(`${address}${path}`);
    return { status: res.status, body: (await res.json()) as { result: TransactionRecord[] | null; errors: { code: string; field?: string }[] } };
  };
  const all = await get('/bank/transactions?terminal=TERMA001');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.result?.map((r) => `${r.stan}:${r.outcome}:${r.responseCode}`), ['000002:declined:05', '000001:approved:00']);
  const one = await get(`/bank/transactions?stan=2&from=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}&limit=5`);
  assert.deepEqual(one.body.result?.map((r) => r.stan), ['000002']);
  // A terminal longer than field 41's 8 characters (what a record keeps) could match no record: refused, not answered empty.
  for (const [query, field] of [['limit=abc', 'limit'], ['to=2026-13-45', 'to'], ['stan=1&stan=2', 'stan'], ['track=1', 'query'], ['before=a%20b', 'before'], ['terminal=TERMA0011', 'terminal']] as const) {
    const bad = await get(`/bank/transactions?${query}`);
    assert.equal(bad.status, 400, query);
    assert.equal(bad.body.result, null);
    assert.equal(bad.body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY');
    assert.equal(bad.body.errors[0]?.field, field);
  }
  for (const query of [`${PAN}%3D25122011234567890=x`, `${PAN}=1`, `stan=1&${PAN}`, 'track=1']) {
    const res = await fetch(`${address}/bank/transactions?${query}`);
    const text = await res.text();
    assert.equal(res.status, 400, query);
    assert.ok(!text.includes(PAN) && !text.includes('track'), `${query}: ${text}`);
    const body = JSON.parse(text) as { errors: { code: string; field?: string; message: string }[] };
    assert.deepEqual([body.errors[0]?.code, body.errors[0]?.field], ['ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', 'query']);
    assert.match(body.errors[0]?.message ?? '', /an unknown filter/);
  }
  const twice = await get('/bank/transactions?rrn=1&rrn=2');
  assert.equal(twice.body.errors[0]?.field, 'rrn');
  assert.throws(() => parseTransactionQuery({ [`${PAN}=2512201`]: 'x' }), (err: Error & { field?: unknown }) => err.field === 'query' && !err.message.includes(PAN));
  // A full page answers the cursor of the next (`next`), given back as `before`; the last page has none.
  const first = (await (await fetch(`${address}/bank/transactions?terminal=TERMA001&limit=1`)).json()) as { result: TransactionRecord[]; next?: string };
  assert.deepEqual(first.result.map((r) => r.stan), ['000002']);
  assert.equal(typeof first.next, 'string');
  const second = (await (await fetch(`${address}/bank/transactions?terminal=TERMA001&limit=1&before=${first.next as string}`)).json()) as { result: TransactionRecord[]; next?: string };
  assert.deepEqual(second.result.map((r) => r.stan), ['000001']);
  const third = (await (await fetch(`${address}/bank/transactions?terminal=TERMA001&limit=1&before=${second.next as string}`)).json()) as { result: TransactionRecord[]; next?: string };
  assert.deepEqual([third.result, third.next], [[], undefined]);
  const wrong = await get('/bank/transactions?before=p_1_1');
  assert.deepEqual([wrong.status, wrong.body.errors[0]?.field], [400, 'before']);
  assert.equal((await fetch(`${address}/plain/transactions`)).status, 404, 'no log, no route');
});

// GET {prefix}/transactions with a key that is no filter: 400 with `field: "query"`, the key itself never repeated
// (a client that put a track or a PAN in the query string must not get it back, nor see it in the gateway's errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { FileTransactionLog, iso8583Connector, parseTransactionQuery } from '../src/index.js';
import { startPeer } from './peer.js';

const PAN = '4761739001010010';

test('transactions query – an unknown key is answered as `query`, never repeated; a known filter is still named', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-txkey-'));
  const peer = await startPeer(() => undefined);
  const log = new FileTransactionLog(dir);
  const app = Fastify();
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: peer.port, transactionLog: log, routes: { prefix: '/bank' } });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await log.close();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  for (const query of [`${PAN}%3D25122011234567890=x`, `${PAN}=1`, `stan=1&${PAN}`, 'track=1']) {
    const res = await fetch(`${address}/bank/transactions?${query}`);
    const text = await res.text();
    assert.equal(res.status, 400, query);
    assert.ok(!text.includes(PAN) && !text.includes('track'), `${query}: ${text}`);
    const body = JSON.parse(text) as { errors: { code: string; field?: string; message: string }[] };
    assert.deepEqual([body.errors[0]?.code, body.errors[0]?.field], ['ISO8583_ERR_CONNECTOR_TRANSACTION_QUERY', 'query']);
    assert.match(body.errors[0]?.message ?? '', /an unknown filter/);
  }
  const twice = await fetch(`${address}/bank/transactions?rrn=1&rrn=2`);
  assert.equal(((await twice.json()) as { errors: { field?: string }[] }).errors[0]?.field, 'rrn');
  assert.throws(() => parseTransactionQuery({ [`${PAN}=2512201`]: 'x' }), (err: Error & { field?: unknown }) => err.field === 'query' && !err.message.includes(PAN));
});

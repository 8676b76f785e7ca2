// GET /transactions over real HTTP answers at most MAX_CONCURRENT_TRANSACTION_QUERIES queries of one log at once (they
// read the log on the event loop that answers every request): one more is refused 503
// ISO8583_ERR_CONNECTOR_TRANSACTION_BUSY with Retry-After, nothing read; once one has answered, the next is answered
// (rv69e finding 3). The queries are held open by a gate in the log's query, not by timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { FileTransactionLog, MAX_CONCURRENT_TRANSACTION_QUERIES, transactionRoute } from '../src/index.js';
import type { TransactionPage, TransactionQuery } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

/** A real file log whose queries wait at a gate once they have started. */
class GatedLog extends FileTransactionLog {
  started = 0;
  private onStart: (() => void) | undefined;
  private open_ = Promise.resolve();
  private release: (() => void) | undefined;

  /** Holds the queries that start from now on, until `openGate()`. */
  closeGate(): void {
    this.open_ = new Promise((resolve) => (this.release = resolve));
  }

  openGate(): void {
    this.release?.();
  }

  /** Resolves once `n` queries in all have started. */
  async startedAt(n: number): Promise<void> {
    while (this.started < n) await new Promise<void>((resolve) => (this.onStart = resolve));
  }

  override async query(query: TransactionQuery): Promise<TransactionPage> {
    this.started += 1;
    this.onStart?.();
    await this.open_;
    return super.query(query);
  }
}

test('transactionRoute – a query beyond the concurrent cap of its log is refused 503 BUSY; answered again once one has answered', async (t) => {
  const log = new GatedLog(tempDir(t, 'txroute-busy'), { syncInterval: 0 });
  await log.open();
  await log.record({ at: Date.now(), node: 'n', upstream: 'u', mti: '0200', latencyMs: 1, outcome: 'approved', stan: '000001' });
  const app = Fastify();
  transactionRoute(app, '/transactions', () => log);
  transactionRoute(app, '/again', () => log);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    log.openGate();
    await app.close();
    await log.close();
  });
  assert.equal(MAX_CONCURRENT_TRANSACTION_QUERIES, 2);
  log.closeGate();
  const held = [fetch(`${address}/transactions`), fetch(`${address}/transactions?stan=1`)];
  await log.startedAt(2);
  // The cap is the log's, whatever route asks.
  for (const path of ['/transactions', '/again?stan=1']) {
    // Bounded only so that a missing cap fails instead of hanging (a refusal is answered at once).
    const refused = await fetch(`${address}${path}`, { signal: AbortSignal.timeout(30_000) });
    assert.equal(refused.status, 503, path);
    assert.equal(refused.headers.get('retry-after'), '1');
    const body = (await refused.json()) as { result: unknown; errors: { code: string; message: string }[] };
    assert.equal(body.result, null);
    assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_BUSY');
    assert.match(body.errors[0]?.message ?? '', /at most 2 at once/);
  }
  assert.equal(log.started, 2, 'a refused query reads nothing');
  // A bad parameter is still told as such.
  assert.equal((await fetch(`${address}/transactions?limit=abc`)).status, 400);
  log.openGate();
  for (const res of await Promise.all(held)) {
    assert.equal(res.status, 200);
    assert.deepEqual(((await res.json()) as { result: { stan: string }[] }).result.map((r) => r.stan), ['000001']);
  }
  const after = await Promise.all([fetch(`${address}/transactions`), fetch(`${address}/again`)]);
  assert.deepEqual(after.map((r) => r.status), [200, 200], 'the places are given back');
  await Promise.all(after.map((r) => r.arrayBuffer()));
});

test('transactionRoute – maxConcurrentQueries sets the cap; a query that fails gives its place back', async (t) => {
  const log = new GatedLog(tempDir(t, 'txroute-busy-one'), { syncInterval: 0 });
  await log.open();
  const app = Fastify();
  transactionRoute(app, '/transactions', () => log, { maxConcurrentQueries: 1 });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    log.openGate();
    await app.close();
    await log.close();
  });
  log.closeGate();
  const held = fetch(`${address}/transactions`);
  await log.startedAt(1);
  assert.equal((await fetch(`${address}/transactions`, { signal: AbortSignal.timeout(30_000) })).status, 503);
  log.openGate();
  assert.equal((await held).status, 200);
  // A cursor of another store fails in the query (400): its place is given back all the same.
  const failed = await fetch(`${address}/transactions?before=p_1_1`);
  assert.equal(failed.status, 400);
  assert.equal(log.started, 2, 'the failed query was asked of the log');
  assert.equal((await fetch(`${address}/transactions`)).status, 200);
});

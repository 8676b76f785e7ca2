/**
 * The console's recent transactions through the real gateway binary and the real simulator: they are the records the
 * connector's transaction recorder builds (each POS purchase once, the PAN masked, the upstream named), read from the
 * transaction log; with --no-transaction-log the console's memory is the connector's log (the last records), which
 * GET /transactions then answers from.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransactionRecord } from '@iso8583/connector';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

after(stopAll);

/** The first `recent` event of the console's stream that satisfies `done`; fails with a message after `deadline` ms. */
async function recentUntil(base: string, done: (items: TransactionRecord[]) => boolean, deadline = 20_000): Promise<{ source: string; items: TransactionRecord[] }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), deadline);
  let last: unknown;
  try {
    const res = await fetch(`${base}/console/events`, { signal: abort.signal });
    assert.equal(res.status, 200);
    const decoder = new TextDecoder();
    let text = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== 'recent' || data === undefined) continue;
        last = JSON.parse(data);
        const recent = last as { source: string; items: TransactionRecord[] };
        if (done(recent.items)) return recent;
      }
    }
    throw new Error('the event stream ended');
  } catch (err) {
    if (abort.signal.aborted) throw new Error(`no recent event as expected within ${deadline} ms; the last: ${JSON.stringify(last)}`, { cause: err });
    throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** Sends `n` purchases (STAN 1..n) from one terminal, one after another; resolves with the response codes. */
async function purchases(pos: { host: string; port: number }, terminal: string, n: number): Promise<string[]> {
  const client = await PosClient.open(pos.host, pos.port);
  try {
    const codes: string[] = [];
    for (let stan = 1; stan <= n; stan++) codes.push(String((await client.request(purchase(terminal, stan, 1000 + stan)))['39']));
    return codes;
  } finally {
    await client.close();
  }
}

const stanOf = (r: TransactionRecord): string => r.stan ?? '';

for (const withLog of [true, false]) {
  test(`recent transactions ${withLog ? 'come from the transaction log' : 'are the console\'s memory with --no-transaction-log'}: each purchase once, the PAN masked`, async (t) => {
    const work = mkdtempSync(join(tmpdir(), 'iso8583-console-recent-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const bank = await startSimulator(['--balance', '100000000']);
    const gw = await startGateway([
      '--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--log-level', 'warn',
      ...(withLog ? [] : ['--no-transaction-log']),
    ]);
    const base = `http://${gw.http.host}:${gw.http.port}`;
    const codes = await purchases(gw.pos, 'TERM0042', 5);
    assert.deepEqual(codes, ['00', '00', '00', '00', '00']);
    const recent = await recentUntil(base, (items) => items.filter((r) => r.terminal === 'TERM0042').length >= 5);
    assert.equal(recent.source, withLog ? 'log' : 'ring');
    const ours = recent.items.filter((r) => r.terminal === 'TERM0042');
    // Each purchase exactly once (one observer of the request path), newest first.
    assert.deepEqual(ours.map(stanOf), ['000005', '000004', '000003', '000002', '000001']);
    for (const r of ours) {
      assert.equal(r.outcome, 'approved');
      assert.equal(r.pan, '411111******1111');
      assert.equal(r.upstream, `${bank.host}:${bank.port}`);
      assert.equal(r.responseCode, '00');
    }
    assert.doesNotMatch(JSON.stringify(recent), /4111111111111111/);
    // GET /transactions: from the file log, or from the console's memory with --no-transaction-log.
    const res = await fetch(`${base}/transactions?terminal=TERM0042`);
    assert.equal(res.status, 200);
    const listed = (await res.json()) as { result: TransactionRecord[] | null; errors: unknown[] };
    assert.deepEqual(listed.errors, []);
    assert.deepEqual((listed.result ?? []).map(stanOf), ['000005', '000004', '000003', '000002', '000001']);
  });
}

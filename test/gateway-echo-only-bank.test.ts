/**
 * A first bank whose network layer answers echo tests while its authorisations hang (rv69c #1, fixed in fix69c): with
 * the default `--unanswered-limit` (5) its link is closed after five purchases in a row time out, so the group moves
 * the traffic to the second bank; every purchase written to the first and not approved is reversed there, none at
 * both banks. Before the fix the first bank stayed healthy and took every purchase (each one 68 and reversed).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { logLine, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'echo-only-bank-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const stanOf = (m: IsoMessage): number => Number(m['11']);
const is0200 = (m: IsoMessage): boolean => String(m['0']) === '0200';
const isReversal = (m: IsoMessage): boolean => String(m['0']).startsWith('04');
/** The STAN of the original a reversal names (field 90: MTI, then STAN). */
const reversedStan = (m: IsoMessage): number => Number(String(m['90'] ?? '').slice(4, 10));

/** What is wrong with the money: a purchase at both banks, one not approved and not reversed, an approval reversed. */
function moneyProblems(a: IsoMessage[], b: IsoMessage[], answers: Map<number, string>): string[] {
  const problems: string[] = [];
  const aBuy = new Set(a.filter(is0200).map(stanOf));
  const bBuy = new Set(b.filter(is0200).map(stanOf));
  const aRev = new Set(a.filter(isReversal).map(reversedStan));
  if (b.some(isReversal)) problems.push('a reversal at B, which approved all');
  for (const s of aBuy) if (bBuy.has(s)) problems.push(`STAN ${s} purchased at both banks`);
  for (const s of aRev) if (!aBuy.has(s)) problems.push(`STAN ${s} reversed at A, which never had it`);
  for (const [s, rc] of answers) {
    if (rc === '00' && aRev.has(s)) problems.push(`STAN ${s}: the terminal got 00 and it was reversed`);
    if (rc !== '00' && aBuy.has(s) && !aRev.has(s)) problems.push(`STAN ${s}: the terminal got ${rc}, at A, never reversed`);
  }
  return problems;
}

test('a first bank answering echo tests but no purchase: its link is closed and the traffic moves to the second', async () => {
  const a = await startBank((r) => (String(r['0']) === '0800' ? approve(r) : undefined));
  const b = await startBank((r) => approve(r));
  const gw = await startGateway([
    '--upstream', `a=127.0.0.1:${a.port}`, '--upstream', `b=127.0.0.1:${b.port}`,
    '--request-timeout', '800', '--echo-interval', '1000',
    '--reconnect-delay', '50', '--reconnect-max-delay', '250', '--reversal-retry-interval', '500',
    '--reversal-journal', join(work, 'echo-only'), '--log-level', 'warn',
  ]);
  await waitUntil(async () => {
    const s = (await (await fetch(`http://${gw.http.host}:${gw.http.port}/stats`)).json()) as { healthy: string[] };
    return s.healthy.length === 2 ? true : undefined;
  }, { what: 'both upstreams healthy', timeoutMs: 20_000 });
  const client = await PosClient.open(gw.pos.host, gw.pos.port);
  const answers = new Map<number, string>();
  const all: Promise<void>[] = [];
  // 4 purchases every 250 ms until B approved 20 (before the fix B got none in 12 s: A stayed healthy).
  const bBought = (): number => b.received.filter(is0200).length;
  const started = Date.now();
  for (let stan = 1; bBought() < 20; stan++) {
    assert.ok(Date.now() - started < 30_000, `B got ${bBought()} purchases in 30 s; A ${a.received.filter(is0200).length}`);
    all.push(client.request(purchase('ECHOONLY', stan, 100)).then((m) => void answers.set(stan, String(m['39']))));
    if (stan % 4 === 0) await new Promise((r) => setTimeout(r, 250));
  }
  await Promise.all(all);
  await client.close();
  const closed = logLine(gw.process.stderr(), 'requests in a row not answered: closing the connection');
  assert.equal(closed.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  assert.equal(closed.upstream, 'a');
  assert.equal(closed.unanswered, 5);
  // Every purchase written to A and not approved is reversed at A (its reversals answered by nobody: sent at least once).
  await waitUntil(() => (moneyProblems(a.received, b.received, answers).length === 0 ? true : undefined), { what: 'reversals at A', timeoutMs: 30_000 })
    .catch(() => undefined);
  assert.deepEqual(moneyProblems(a.received, b.received, answers), []);
  assert.ok([...answers.values()].includes('00'));
  assert.ok(!gw.process.stderr().includes('4111111111111111'), 'no card number in the log');
  await a.close();
  await b.close();
});

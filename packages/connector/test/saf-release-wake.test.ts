// A SAF entry (an advice stored with `saf: true`) whose attempt found every connection of an exclusive pool lent (the
// wait for one past the attempt's timeout: DEADLINE, the attempt never left) goes as soon as a connection is given back
// free, not `retryInterval` after that attempt: only a new connection coming up woke such entries, so with a pool whose
// connections stay up but busy an advice waited a whole retry interval (10 s by default). Each entry is woken once per
// such attempt: connections freed together, and later, send it no second time. Real sockets, real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { SafEvent } from '../src/index.js';
import { advice, journalLines } from './helpers/reversals.js';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';

/** Far longer than the test's deadlines: an entry that waits for it is not sent within them. */
const RETRY = 600_000;

/** An echo (network management): a request that holds its connection until the host answers it. */
function echo(stan: string): Record<string, string> {
  return { 0: '0800', 11: stan, 41: 'TERM0001', 70: '301' };
}

test('saf – entries whose attempt found every exclusive connection lent go once one is given back, each once', async (t) => {
  const dir = tempDir(t, 'saf-release-wake');
  const held: Received[] = [];
  const holds = new Set(['007701', '007702']);
  const peer = await peerFor(t, (r, p) => {
    if (holds.has(String(r.message['11']))) held.push(r);
    else p.send(r.socket, answer(r.message));
  });
  // Two connections, each lent to one request at a time; an attempt waits for one at most 200 ms (requestTimeout).
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    mode: 'exclusive',
    pool: { min: 2, max: 2, acquireTimeout: 60_000 },
    requestTimeout: 200,
    saf: { enabled: true, journalDir: dir, initialDelay: 0, retryInterval: RETRY },
    transactionLog: false,
  });
  await connector.connect();
  const waiting = new Map<string, SafEvent>();
  const answered = new Map<string, SafEvent>();
  let bothWaiting: () => void = () => undefined;
  const bothWaited = new Promise<void>((resolve) => (bothWaiting = resolve));
  let bothAnswered: () => void = () => undefined;
  const bothWent = new Promise<void>((resolve) => (bothAnswered = resolve));
  connector.on('saf', (e) => {
    if (e.stage === 'waiting') waiting.set(e.stan ?? '', e);
    if (e.stage === 'answered') answered.set(e.stan ?? '', e);
    if (waiting.size === 2) bothWaiting();
    if (answered.size === 2) bothAnswered();
  });
  // Both connections busy until the host answers the echoes.
  const echoes = [connector.request(echo('007701'), { timeout: 60_000 }), connector.request(echo('007702'), { timeout: 60_000 })];
  await peer.waitFor(2);
  const receipts = [await connector.request(advice('007703'), { saf: true }), await connector.request(advice('007704'), { saf: true })];
  await within(bothWaited, 10_000, 'both advices waiting after their attempts found no free connection');
  for (const e of waiting.values()) {
    assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_DEADLINE', `${e.stan}: its attempt never left`);
    assert.ok((e.nextAttempt ?? 0) > Date.now() + RETRY / 2, `${e.stan}: due a retry interval later`);
  }
  assert.deepEqual(peer.received.map((r) => r.message['11']), ['007701', '007702'], 'no advice written while both were lent');

  // Both connections given back, one after the other: each wakes the advices waiting, each advice goes once.
  for (const r of held) peer.send(r.socket, answer(r.message));
  for (const e of await Promise.all(echoes)) assert.equal(e['39'], '00');
  await within(bothWent, 10_000, 'both advices answered once a connection was free (not a retry interval later)');
  // Later releases (requests that end) send neither again.
  for (const stan of ['007705', '007706', '007707']) assert.equal((await connector.request(echo(stan)))['39'], '00');
  const advices = peer.received.filter((r) => r.message['0'] === '0220').map((r) => String(r.message['11']));
  assert.deepEqual(advices.sort(), ['007703', '007704'], 'exactly one send per advice, as a first (its attempt that never left not counted)');
  assert.equal(connector.stats().safDepth, 0);
  for (const receipt of receipts) {
    const lines = journalLines(dir).filter((l) => l.id === receipt.id);
    assert.deepEqual(lines.map((l) => `${l.op}${l.attempt ?? ''}`), ['add', 'attempt1', 'attempt1', 'done'], 'every attempt journaled before it went');
  }
});

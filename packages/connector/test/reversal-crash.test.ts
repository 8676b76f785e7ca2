// The journal across crashes: a connector process is killed with SIGKILL at chosen points (points it reports on
// stdout, where it then stops dead, or points the test host observes), and the next start must neither lose a
// reversal nor reverse what the caller saw approved, nor start a reversal sequence over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalEntry, ReversalEvent } from '../src/index.js';
import { startChild } from './child.js';
import { answer } from './peer.js';
import { connectorFor, peerFor, tempDir } from './helpers/setup.js';
import { leftIn } from './helpers/journal-overtaken.js';

/** An entry as a start would find in the journal (the next process reads it): STAN/attempts. */
const stanAttempts = (e: JournalEntry): string => `${String(e.reversal['11'])}/${e.attempts ?? 0}`;

test('a purchase in flight when the process is killed is reversed by the next start (0401: read back, a repeat)', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'crash');
  // The host never answers the purchase; it answers reversals.
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });
  const child = startChild('journal-child', { port: peer.port, dir, purchases: 1 });
  t.after(() => child.kill());
  const [purchase] = await peer.waitFor(1);
  assert.equal(purchase?.message['0'], '0200');
  await child.kill();

  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir } });
  const answered = new Promise<ReversalEvent>((resolve) => connector.on('reversal', (e: ReversalEvent) => e.stage === 'answered' && resolve(e)));
  await connector.connect();
  const e = await answered;
  assert.equal(e.stan, '009001');
  // Read back at a start, it goes as a repeat (0401): an earlier process may have sent it unrecorded.
  const reversal = peer.received.find((r) => r.message['0'] === '0401');
  assert.ok(reversal, 'the reversal reached the host');
  assert.equal(String(reversal.message['90']).slice(0, 10), '0200009001');
  assert.equal(reversal.message['4'], '000000001000');
});

test('a purchase the caller saw approved is not reversed after a kill right after the response', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'crash');
  const peer = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)));
  const child = startChild('journal-child', { port: peer.port, dir, purchases: 1, freezeOn: 'response' });
  t.after(() => child.kill());
  // The child reports the response its caller got, then stops dead: nothing is written after that point.
  assert.equal(await child.waitLine('response '), 'response 009001 00');
  await child.kill();
  assert.deepEqual(await leftIn(dir, stanAttempts), [], 'the outcome was on disk before the caller saw the response');

  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir } });
  await connector.connect();
  assert.equal(connector.stats().reversalsPending, 0, 'no reversal started');
  await connector.close();
  assert.deepEqual(peer.received.map((r) => r.message['0']), ['0200']);
});

test('one reversal sequence across restarts: 0400 once, then 0401 after every kill; an answered one is not sent again', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t, 'crash');
  let answerReversals = false;
  const reversalSeen: (() => void)[] = [];
  // The host drops the purchase's connection (outcome unknown) and leaves reversals unanswered until told.
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0200') r.socket.destroy();
    else if (answerReversals) p.send(r.socket, answer(r.message));
    else reversalSeen.shift()?.();
  });
  const nextReversal = (): Promise<void> => new Promise((resolve) => reversalSeen.push(resolve));

  // Run 1: the purchase, then its first reversal (0400) reaches the host: kill.
  let seen = nextReversal();
  const first = startChild('journal-child', { port: peer.port, dir, purchases: 1 });
  t.after(() => first.kill());
  await seen;
  await first.kill();
  assert.deepEqual(await leftIn(dir, stanAttempts), ['009001/1']);

  // Runs 2 and 3: each start repeats (0401), and is killed once the host has it.
  for (let run = 2; run <= 3; run++) {
    seen = nextReversal();
    const child = startChild('journal-child', { port: peer.port, dir });
    t.after(() => child.kill());
    await seen;
    await child.kill();
    assert.deepEqual(await leftIn(dir, stanAttempts), [`009001/${run}`]);
  }

  // Run 4: the host answers; the child reports `answered` (after the done record) and stops dead: kill.
  answerReversals = true;
  const fourth = startChild('journal-child', { port: peer.port, dir, freezeOn: 'answered' });
  t.after(() => fourth.kill());
  assert.equal(await fourth.waitLine('reversal answered'), 'reversal answered 0401 009001');
  await fourth.kill();
  assert.deepEqual(await leftIn(dir, stanAttempts), [], 'the answered reversal was closed on disk before its event');

  assert.deepEqual(peer.received.map((r) => `${r.message['0']}/${r.message['11']}`), ['0200/009001', '0400/009001', '0401/009001', '0401/009001', '0401/009001']);
});

/** The STANs of the reversals journaled (`add` records) at the head of a journal file (records come first). */
function journaledStans(path: string): Set<string> {
  const head = Buffer.alloc(256 * 1024);
  const fd = openSync(path, 'r');
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  const stans = new Set<string>();
  for (const line of head.subarray(0, n).toString('utf8').split('\n')) {
    if (line === '') continue;
    let record: { op?: string; reversal?: { '11'?: string } };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue; // a line being written right now
    }
    if (record.op === 'add' && record.reversal?.['11'] !== undefined) stans.add(record.reversal['11']);
  }
  return stans;
}

test('group commit: many concurrent purchases are each journaled before they leave, and all are reversed after a kill', { timeout: 60_000 }, async (t) => {
  const count = 150;
  const dir = tempDir(t, 'crash');
  const journal = join(dir, 'reversals.jsonl');
  const missing: string[] = [];
  // On receiving each purchase the host reads the journal file: the purchase's reversal must already be there.
  const peer = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0200') {
      const stan = String(r.message['11']);
      if (!journaledStans(journal).has(stan)) missing.push(stan);
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  const child = startChild('journal-child', { port: peer.port, dir, purchases: count });
  t.after(() => child.kill());
  const purchases = await peer.waitFor(count);
  assert.equal(purchases.filter((r) => r.message['0'] === '0200').length, count);
  assert.deepEqual(missing, [], 'every purchase was journaled before it reached the host');
  await child.kill();

  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir } });
  const stans = new Set<string>();
  const all = new Promise<void>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'answered' && e.stan !== undefined) stans.add(e.stan);
      if (stans.size === count) resolve();
    }),
  );
  await connector.connect();
  await all;
  const expected = Array.from({ length: count }, (_, i) => String(9001 + i).padStart(6, '0'));
  assert.deepEqual([...stans].sort(), expected);
  const reversed = peer.received.filter((r) => r.message['0'] === '0401').map((r) => String(r.message['90']).slice(4, 10));
  assert.deepEqual(reversed.sort(), expected, 'each reversed exactly once');
});

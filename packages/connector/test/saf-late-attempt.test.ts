// A late answer to an SAF attempt that does not end its entry (a system error, 96) is taken only for the attempt it
// answers (saf-queue.ts `lateAnswer`): it is the host's word on the entry only while that attempt is the entry's last
// one that reached the host. (a) After the next attempt was written and refused in time, a late 96 to the one before
// is stale: taken, it would repeat that refusal (a second `refused`, an attempt already answered) and bring the next
// attempt forward to `retryInterval` after the older one (at once). (b) After the next attempt was never written (not
// counted: the entry's last attempt is still the one the 96 answers), it is that attempt's answer: taken, it repeats
// from that attempt's start (at once, the connection it came on being up). Real sockets and files; the store of (b)
// is a file journal behind a store whose record of the second attempt takes all of its flight (as a shared store's
// may), so that attempt never leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { Connector, ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { ObjectStore } from './helpers/object-store.js';

/**
 * The reversal events of `connector` in order, the wall-clock time each attempt was written (its `sent` event), and
 * the first `answered` event (within 20 s).
 */
function watch(connector: Connector): { events: ReversalEvent[]; sentAt: Map<number, number>; answered: Promise<ReversalEvent> } {
  const events: ReversalEvent[] = [];
  const sentAt = new Map<number, number>();
  const answered = eventWithin<ReversalEvent>(20_000, 'the reversal was not answered within 20 s', (resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      events.push(e);
      if (e.stage === 'sent') sentAt.set(e.attempt, Date.now());
      if (e.stage === 'answered') resolve(e);
    }),
  );
  return { events, sentAt, answered };
}

/** `attempt:code` of each event at `stage`. */
function at(events: readonly ReversalEvent[], stage: ReversalEvent['stage']): string[] {
  return events.filter((e) => e.stage === stage).map((e) => `${e.attempt}:${e.responseCode ?? e.code ?? ''}`);
}

test('a late 96 to an SAF attempt after the next attempt was refused is not taken: no second refusal, the next attempt not brought forward', async (t) => {
  const dir = tempDir(t, 'saf-late-attempt');
  const reversals: Received[] = [];
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti !== '0400' && mti !== '0401') return; // the purchase: held (it times out, and is reversed)
      reversals.push(r);
      // The first attempt: held (it times out; its 96 comes late, below). The second refused in time, the third approved.
      if (reversals.length === 2) p.send(r.socket, answer(r.message, { '39': '96' }));
      else if (reversals.length > 2) p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, reversal: { enabled: true, journalDir: dir, retryInterval: 1000 } },
  );
  await connector.connect();
  const { events, sentAt, answered } = watch(connector);
  // Once the second attempt is refused (its next due `retryInterval` after it), the first one's 96 comes, late.
  const lateSeen = eventWithin<void>(20_000, 'the late 96 was not seen within 20 s', (resolve) => {
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'refused' && e.attempt === 2) peer.send(reversals[0]!.socket, answer(reversals[0]!.message, { '39': '96' }));
    });
    connector.on('late-response', (m) => {
      if (m['39'] === '96') resolve();
    });
  });
  assert.equal((await failure(connector.request(purchase('121201')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await lateSeen;
  const end = await answered;
  assert.equal(end.attempt, 3);
  assert.equal(end.responseCode, '00');
  assert.deepEqual(reversals.map((r) => r.message['0']), ['0400', '0401', '0401']);
  assert.deepEqual(at(events, 'refused'), ['2:96'], 'the late 96 to the first attempt repeats no refusal');
  const waiting = events.filter((e) => e.stage === 'waiting');
  assert.deepEqual(waiting.map((e) => e.attempt), [1, 2], 'no waiting of its own for the stale 96');
  // The third attempt left when the second's refusal said (its retryInterval), not at once when the stale 96 came.
  const due = waiting[1]!.nextAttempt as number;
  const third = sentAt.get(3) as number;
  assert.ok(third >= due - 20, `the third attempt left ${due - third} ms before it was due`);
});

/** A store whose record of an entry's second attempt comes back with its flight spent (once): that attempt never leaves. */
class SecondFlightSpent extends ObjectStore {
  spent = false;
  override async attempt(id: string, attempt: number): Promise<void | number> {
    await this.journal.attempt(id, attempt);
    if (attempt !== 2 || this.spent) return;
    this.spent = true;
    return performance.now(); // its flight ends now: nothing left to write it in (ISO8583_ERR_CONNECTOR_DEADLINE, never written)
  }
}

test('a late 96 to an SAF attempt after the next attempt was never written is taken: it repeats from that attempt, at once', async (t) => {
  const store = new SecondFlightSpent(new FileJournal(tempDir(t, 'saf-late-attempt-unwritten')));
  const reversals: Received[] = [];
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti !== '0400' && mti !== '0401') return; // the purchase: held (it times out, and is reversed)
      reversals.push(r);
      if (reversals.length > 1) p.send(r.socket, answer(r.message)); // the first held: its 96 comes late, below
    },
    { requestTimeout: 300, store, reversal: { enabled: true, retryInterval: 2000 } },
  );
  await connector.connect();
  const { events, sentAt, answered } = watch(connector);
  // Once the second attempt failed unwritten (not counted: its next due `retryInterval` after it), the first one's 96.
  connector.on('reversal', (e: ReversalEvent) => {
    if (e.stage === 'waiting' && e.code === 'ISO8583_ERR_CONNECTOR_DEADLINE') peer.send(reversals[0]!.socket, answer(reversals[0]!.message, { '39': '96' }));
  });
  assert.equal((await failure(connector.request(purchase('121202')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  const end = await answered;
  assert.ok(store.spent, 'the second attempt never left');
  assert.equal(end.attempt, 2, 'the attempt that never left is not counted');
  assert.equal(end.mti, '0401');
  assert.equal(end.responseCode, '00');
  assert.deepEqual(reversals.map((r) => r.message['0']), ['0400', '0401']);
  assert.deepEqual(at(events, 'refused'), ['1:96'], 'the late 96 is the first attempt\'s refusal');
  const waiting = events.filter((e) => e.stage === 'waiting');
  assert.deepEqual(at(events, 'waiting'), ['1:ISO8583_ERR_CONNECTOR_TIMEOUT', '2:ISO8583_ERR_CONNECTOR_DEADLINE']);
  // It repeated from the first attempt's start (long past): at once, not `retryInterval` after the one never written.
  const due = waiting[1]!.nextAttempt as number;
  const second = sentAt.get(2) as number;
  assert.ok(second < due, `the repeat left ${second - due} ms after the unwritten attempt's retry was due`);
});

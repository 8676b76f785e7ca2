// An SAF entry that went on as another message (saf-queue.ts `answer`, `goOnAs`): its reversal was answered late with
// a code that undid nothing (25) after its original's approval came late, and the reversal that approval calls for
// could not be stored, so the entry goes on as that reversal, sent from memory. From then on the outcome of an attempt
// of the message it went on from (here its repeat, still in flight on the other connection) is not the entry's
// (`followed`): its answer would end the entry before the reversal of the approval leaves (the approval never
// reversed), and its timeout would make the entry wait and retry as that repeat, remembered for a late answer. Two
// connections (multiplex, least in flight first): requests held on purpose steer the repeat (0401) to the other
// connection than the first attempt (0400), as in saf-late-in-flight.test.ts. The store is a file journal behind a
// store that fails the add of the approval's reversal, and may hold back the record of the entry's third attempt (the
// first of the message it went on as) until the repeat's answer was handled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { Connector, JournalEntry, ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import type { Peer } from './peer.js';
import { failure } from './helpers/failure.js';
import { ObjectStore } from './helpers/object-store.js';

/** A gate: `open` lets what waits on `passed` go on. */
function gate(): { passed: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/**
 * A file journal behind a store that fails every add of a 0401 (the reversal a late approval calls for), and (`hold`)
 * whose record of an entry's third attempt waits for `third` (`asked` says it is asked for).
 */
class AgainUnstored extends ObjectStore {
  failedAdds = 0;
  readonly third = gate();
  readonly asked = gate();
  constructor(journal: FileJournal, private readonly hold: boolean) {
    super(journal);
  }
  override async add(entry: JournalEntry): Promise<void> {
    if (entry.reversal['0'] === '0401') {
      this.failedAdds += 1;
      throw Object.assign(new Error('the store cannot take it (test)'), { code: 'ISO8583_ERR_CONNECTOR_STORE' });
    }
    return this.journal.add(entry);
  }
  override async attempt(id: string, attempt: number): Promise<void | number> {
    if (attempt === 3 && this.hold) {
      this.asked.open();
      await this.third.passed;
    }
    return this.journal.attempt(id, attempt);
  }
}

/** What {@link goneOn} stood up. */
interface GoneOn {
  peer: Peer;
  connector: Connector;
  store: AgainUnstored;
  journal: FileJournal;
  /** The reversal attempts the host received, in order. */
  reversals: Received[];
  /** Every reversal event, in order. */
  events: ReversalEvent[];
  /** The first `answered` reversal event (within 20 s). */
  answered: Promise<ReversalEvent>;
  /** Sends the purchase (it times out, and is reversed), then waits for the reversal's end: what `answered` gives. */
  run(): Promise<ReversalEvent>;
  /** Answers the last held request, and closes the connector once they all settled. */
  finish(): Promise<void>;
}

/**
 * The entry of a purchase's reversal gone on as the reversal of the purchase's late approval, its repeat (the second
 * attempt) in flight on the other connection: the host approves the purchase late when the first attempt comes, and
 * answers that attempt late (25) when the repeat comes. `later(r, n)`: what the host does with attempt `n` from the
 * third on; the store holds the third attempt's record back when `hold` says so.
 */
async function goneOn(t: AfterHook, hold: boolean, timing: { requestTimeout: number; retryInterval: number }, later: (r: Received, n: number, peer: Peer) => void): Promise<GoneOn> {
  const journal = new FileJournal(tempDir(t, 'saf-followed'));
  const store = new AgainUnstored(journal, hold);
  const { logger, lines } = capturedLogger('info');
  const byStan = new Map<string, Received>();
  const reversals: Received[] = [];
  const hooks: { steer?: () => void; repeat?: () => void } = {};
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0400' || mti === '0401') {
        reversals.push(r);
        if (reversals.length === 1) hooks.steer?.();
        if (reversals.length === 2) hooks.repeat?.();
        if (reversals.length > 2) later(r, reversals.length, p);
        return;
      }
      byStan.set(r.message['11'] as string, r); // held
    },
    { requestTimeout: timing.requestTimeout, mode: 'multiplex', pool: { min: 2, max: 2 }, logger, store, reversal: { enabled: true, retryInterval: timing.retryInterval } },
  );
  await connector.connect();
  const events: ReversalEvent[] = [];
  const answered = eventWithin<ReversalEvent>(30_000, 'the reversal was not answered within 30 s', (resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      events.push(e);
      if (e.stage === 'answered') resolve(e);
    }),
  );
  const approvalSeen = eventWithin<void>(30_000, 'the late approval was not seen within 30 s', (resolve) =>
    connector.on('late-response', (m) => {
      if (m['0'] === '0210' && m['11'] === '091301') resolve();
    }),
  );
  // The held requests: D1 on the first connection; the purchase on the second, where its reversal's first attempt goes.
  const held = (stan: string): Promise<unknown> => connector.request(purchase(stan, 'TERM0002'), { timeout: 30_000 }).catch(() => undefined);
  const d1 = held('000001');
  await peer.waitFor(1);
  const heldAnswered: Promise<unknown>[] = [];
  hooks.steer = () => {
    // The purchase timed out (its reversal is under way): the host approves it now, late.
    const p = byStan.get('091301') as Received;
    peer.send(p.socket, answer(p.message));
    // While the 0400 is in flight: D2 goes on the first connection (a tie), D3 on the second; D1 and D2 answered, so
    // that the repeat finds the first connection the least busy.
    const d2 = held('000002');
    heldAnswered.push(d1, d2, held('000003'));
    void peer.waitFor(5).then(() => {
      for (const stan of ['000001', '000002']) {
        const r = byStan.get(stan);
        if (r !== undefined) peer.send(r.socket, answer(r.message));
      }
    }).catch(() => undefined); // past its deadline: the test's own waits fail, naming what they waited for
  };
  hooks.repeat = () => {
    // The repeat is in flight on the first connection: the first attempt's 25 (it undid nothing) comes late on the
    // second, after the approval. The entry goes on as the approval's reversal (its store fails).
    void approvalSeen.then(() => peer.send(reversals[0]!.socket, answer(reversals[0]!.message, { '39': '25' })));
  };
  const run = async (): Promise<ReversalEvent> => {
    const err = await failure(connector.request(purchase('091301'), { timeout: timing.requestTimeout }));
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    const end = await answered;
    assert.equal(store.failedAdds, 1, 'the approval\'s reversal could not be stored');
    assert.ok(lines.some((l) => l.level === 50 && /sent from memory in place of the reversal it follows/.test(String(l.msg))), 'it went on as it');
    assert.notEqual(reversals[1]?.socket, reversals[0]?.socket, 'the repeat went on the other connection');
    return end;
  };
  const finish = async (): Promise<void> => {
    const d3 = byStan.get('000003');
    if (d3 !== undefined) peer.send(d3.socket, answer(d3.message));
    await Promise.all(heldAnswered);
    await connector.close();
  };
  return { peer, connector, store, journal, reversals, events, answered, run, finish };
}

test('an SAF entry gone on as the reversal of a late approval (its store failed) is not ended by the answer of its repeat still in flight: that reversal is sent', async (t) => {
  const { peer, connector, store, journal, reversals, run, finish } = await goneOn(t, true, { requestTimeout: 1500, retryInterval: 1000 }, (r, n, p) => {
    if (n === 3) p.send(r.socket, answer(r.message)); // the approval's reversal: accepted
  });
  // Once it went on (its next attempt being recorded), the repeat is answered (00), then a message no request waits
  // for on the same connection: once that one is seen, the repeat's answer was handled; the next attempt goes on.
  const probed = eventWithin<void>(30_000, 'the probe was not seen within 30 s', (resolve) =>
    connector.on('unsolicited', (m) => {
      if (m['11'] === '999999') void nextTurn().then(resolve);
    }),
  );
  void store.asked.passed.then(() => {
    const repeat = reversals[1] as Received;
    peer.send(repeat.socket, answer(repeat.message));
    peer.send(repeat.socket, answer(purchase('999999', 'TERM0009')));
  });
  void probed.then(() => store.third.open());
  const end = await run();
  assert.deepEqual(reversals.map((r) => r.message['0']), ['0400', '0401', '0401'], 'the approval\'s reversal was sent');
  assert.equal(end.attempt, 3, 'ended by the answer of the approval\'s reversal, not by the repeat\'s');
  assert.equal(end.responseCode, '00');
  await finish();
  assert.equal(journal.size, 0, 'nothing left open');
});

test('an SAF entry gone on as the reversal of a late approval takes no timeout of its repeat still in flight as its own (no waiting, no retry of it)', async (t) => {
  // The repeat never answered (it times out after the entry went on); the approval's reversal neither, the first time.
  const { reversals, events, run, finish } = await goneOn(t, false, { requestTimeout: 600, retryInterval: 2000 }, (r, n, p) => {
    if (n > 3) p.send(r.socket, answer(r.message));
  });
  const end = await run();
  assert.deepEqual(reversals.map((r) => r.message['0']), ['0400', '0401', '0401', '0401']);
  assert.equal(end.attempt, 4, 'ended by the second attempt of the approval\'s reversal');
  assert.equal(end.responseCode, '00');
  // The first attempt timed out; then only the attempts of the approval's reversal (the first of them may find its
  // repeat's key in flight on the least busy connection: DUPLICATE_KEY, not written, tried again).
  const waiting = events.filter((e) => e.stage === 'waiting').map((e) => `${e.attempt}:${e.code ?? ''}`);
  assert.equal(waiting[0], '1:ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.deepEqual(waiting.filter((w) => w.startsWith('2:')), [], 'the repeat\'s timeout is not the entry\'s');
  await finish();
});

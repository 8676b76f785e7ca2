// sr67d 1 and 2: the abort of `iso8583 gateway` and `iso8583 run` (abortConnectors, drain.ts) waits for the reversals
// the cut clients' reports began, but only so long (abortStoreWait, ABORT_MAX_WAIT). A reversal still being stored when
// that bound came got no line at all: `reversalsPending` counts only what the journal holds, the process exits, the
// destroy's refusal never logs "NOT reversed". It is now logged at `error` ("NOT known reversed", STAN and terminal,
// no card data) and counted on the end line (`notKnownReversed`, at `error`). And a store that never answers kept the
// destroy (and after it the transaction log's spill) waiting to the end line's own bound: the stores are now cut
// ABORT_STORE_TAIL before it, so the destroy and what follows it always run before the end line.
// Real parts: the bank's inbound endpoint, the upstream connector with its FileJournal (whose writes the test gates:
// a store that never answers), the gateway's book of undelivered approvals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, STOP_SETTLE_WAIT, UNDERWAY_LINES_MAX, undeliveredApproval } from '@iso8583/connector';
import type { JournalEntry } from '@iso8583/connector';
import { capturedLogger, within } from '@iso8583/test-support';
import { ABORT_MAX_WAIT, ABORT_STORE_TAIL, abortConnectors, abortStoreWait, cutThenDestroy } from '../src/drain.js';
import { reversingBank } from './helpers/reversing-bank.js';

const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1207043000', 11: '000671', 12: '043000', 13: '1207', 41: 'TERM0067', 49: '840' };

/**
 * The file journal whose new entries wait for `letThrough()` (a store that does not answer; `letThrough(err)`: then
 * refused with `err`, as a full disk refuses it); `added` once one is asked.
 */
class GatedJournal extends FileJournal {
  private opened: (refused: Error | undefined) => void = () => undefined;
  private readonly gate = new Promise<Error | undefined>((resolve) => (this.opened = resolve));
  private asked: () => void = () => undefined;
  readonly added = new Promise<void>((resolve) => (this.asked = resolve));
  override add(entry: JournalEntry): Promise<void> {
    this.asked();
    return this.gate.then((refused) => (refused === undefined ? super.add(entry) : Promise.reject(refused)));
  }
  letThrough(refused?: Error): void {
    this.opened(refused);
  }
}

test('abort – a reversal still being stored at the abort\'s bound is logged "NOT known reversed" and counted on the end line (error)', async (t) => {
  let journal: GatedJournal | undefined;
  const { upstream } = await reversingBank(t, (dir) => (journal = new GatedJournal(dir)));
  const gated = journal as GatedJournal;
  const { logger, lines, text } = capturedLogger('info');
  const book = undeliveredApproval({ connector: upstream, logger });
  try {
    void book(purchase, { ...purchase, 0: '0210', 38: 'A00001', 39: '00' }, upstream, 'client-gone', 'pos');
    await within(gated.added, 10_000, 'the reversal never reached the journal');
    await within(abortConnectors(logger, 'gateway', [upstream], {
      beforeDestroy: () => book.settled(abortStoreWait(book.underway())),
      logUnderway: () => book.logUnderway(),
    }), ABORT_MAX_WAIT + 2_000, 'the abort did not end');
  } finally {
    gated.letThrough();
  }
  const logged = text();
  const under = lines.filter((l) => String(l.msg).endsWith('NOT known reversed'));
  assert.equal(under.length, 1, `one "NOT known reversed" line: ${logged}`);
  assert.equal(under[0]?.level, 50, 'at error');
  assert.equal(under[0]?.stan, '000671');
  const end = lines.find((l) => String(l.msg).startsWith('gateway aborted'));
  assert.ok(end !== undefined, `the end line: ${logged}`);
  assert.equal(end.notKnownReversed, 1, 'the end line counts it');
  assert.equal(end.level, 50, 'the end line is at error');
  assert.ok(lines.indexOf(under[0] as Record<string, unknown>) < lines.indexOf(end), 'the line comes before the end line');
  assert.doesNotMatch(logged, /4111111111111111/);
});

test('abort – a store that never answers leaves the destroy and what follows it (the transaction log\'s spill) time before the end line', async (t) => {
  const { upstream } = await reversingBank(t);
  let after = false;
  const start = performance.now();
  const done = await within(cutThenDestroy([upstream], {
    beforeDestroy: () => new Promise<never>(() => undefined),
    afterDestroy: async () => {
      after = true;
    },
  }), ABORT_MAX_WAIT + 2_000, 'the cut did not end');
  assert.ok(after, 'afterDestroy ran before the end line');
  assert.equal(done, true, 'the destroy ended before the bound');
  assert.ok(performance.now() - start <= ABORT_MAX_WAIT + 1_000, 'within the bound');
});

test('abort – more than 100 reversals still being stored: the first 100 a line each, the rest in lines of 100, every approval named once, no card data (sr67n #1)', async (t) => {
  let journal: GatedJournal | undefined;
  const { upstream } = await reversingBank(t, (dir) => (journal = new GatedJournal(dir)));
  const gated = journal as GatedJournal;
  const { logger, lines, text } = capturedLogger('info');
  const book = undeliveredApproval({ connector: upstream, logger });
  const total = 2 * UNDERWAY_LINES_MAX + 50;
  const stanOf = (i: number): string => String(700_000 + i).padStart(6, '0');
  try {
    for (let i = 0; i < total; i++) {
      void book({ ...purchase, 11: stanOf(i) }, { ...purchase, 0: '0210', 11: stanOf(i), 38: 'A00001', 39: '00' }, upstream, 'client-gone', 'pos');
    }
    await within(gated.added, 10_000, 'no reversal reached the journal');
    assert.equal(book.underway(), total, 'every reversal is under way (the journal holds them back)');
    assert.equal(book.logUnderway(), total, 'logUnderway counts them all');
  } finally {
    gated.letThrough();
  }
  // Every add let through is done before the fixture's destroy (sr68c #5: it raced 250 adds).
  await within(book.settled(), 10_000, 'the reversals never settled');
  const logged = text();
  const own = lines.filter((l) => String(l.msg).endsWith('its reversal is still being stored or sent as the stop ends: NOT known reversed'));
  const rest = lines.filter((l) => /^\d+ more approvals the clients never got: .*NOT known reversed$/.test(String(l.msg)));
  assert.equal(own.length, UNDERWAY_LINES_MAX, 'the first 100 a line each');
  assert.deepEqual(rest.map((l) => (l.more as unknown[]).length), [UNDERWAY_LINES_MAX, 50], 'the rest in lines of 100 each');
  assert.deepEqual(rest.map((l) => l.msg), [`${UNDERWAY_LINES_MAX} more approvals the clients never got: their reversals are still being stored or sent as the stop ends: NOT known reversed`, '50 more approvals the clients never got: their reversals are still being stored or sent as the stop ends: NOT known reversed']);
  for (const l of [...own, ...rest]) assert.equal(l.level, 50, 'at error');
  const named = [...own.map((l) => l.stan), ...rest.flatMap((l) => (l.more as { stan?: unknown; terminal?: unknown }[]).map((m) => {
    assert.equal(m.terminal, 'TERM0067', 'each named with its terminal');
    return m.stan;
  }))];
  assert.equal(named.length, total, 'every approval named');
  assert.deepEqual([...named].sort(), Array.from({ length: total }, (_, i) => stanOf(i)), 'each once');
  assert.doesNotMatch(logged, /4111111111111111|411111\d{6}1111/, 'no card number');
});

test('abort – a store that never answers, with a close that hangs, cannot push the destroy and the log\'s close past the end line: the stores\' bound counts from the abort\'s start (sr67n #1)', async (t) => {
  const { upstream } = await reversingBank(t);
  // When the stores were first asked and when the destroy began (ms from the start): what the rule decides, not how
  // long a busy machine's socket close or log close take (sr68c #5). Counted from the clients' close (the first
  // stores' moment), the stores' bound let the destroy begin ABORT_STORE_TAIL - CLIENTS_CLOSE_WAIT before the end line
  // only (50 ms); counted from the abort's start, it begins CLIENTS_CLOSE_WAIT sooner than that rule would allow.
  const asked: number[] = [];
  let destroyBegan: number | undefined;
  let logClosed = false;
  let start = performance.now();
  const destroy = upstream.destroy.bind(upstream);
  upstream.destroy = () => {
    destroyBegan ??= performance.now() - start;
    return destroy();
  };
  start = performance.now();
  const done = await within(cutThenDestroy([upstream], {
    // A client connection whose close never ends: the stores begin at CLIENTS_CLOSE_WAIT, not at once.
    closeListeners: () => new Promise<never>(() => undefined),
    beforeDestroy: () => {
      asked.push(performance.now() - start);
      return new Promise<never>(() => undefined);
    },
    // The transaction log's close (as the gateway's, right after the destroy).
    afterDestroy: async () => {
      logClosed = true;
    },
  }), ABORT_MAX_WAIT + 2_000, 'the cut did not end');
  const took = performance.now() - start;
  assert.equal(asked.length, 2, 'the stores were waited for before and after the clients\' close\'s bound');
  assert.ok(destroyBegan !== undefined, `the destroy began before the end line (took ${Math.round(took)} ms)`);
  const fromStores = destroyBegan - (asked[0] as number);
  assert.ok(fromStores < ABORT_MAX_WAIT - ABORT_STORE_TAIL - 5, `the stores' bound counts from the abort's start, not from the first stores (destroy ${Math.round(fromStores)} ms after them)`);
  assert.ok(destroyBegan >= ABORT_MAX_WAIT - ABORT_STORE_TAIL - 5, `the stores were waited for up to their bound (destroy at ${Math.round(destroyBegan)} ms)`);
  if (done) assert.ok(logClosed, 'the log closed before the end line');
  assert.ok(took <= ABORT_MAX_WAIT + 1_000, `within the end line's bound (took ${Math.round(took)} ms)`);
});

test('abort – an approval logged "NOT known reversed" whose reversal then fails (its store refused, its send refused: the connector is closing) is told once at error, its end at warn marked alreadyListed, and is counted (sr67n #3, sr68c #2)', async (t) => {
  let journal: GatedJournal | undefined;
  const { upstream } = await reversingBank(t, (dir) => (journal = new GatedJournal(dir)));
  const gated = journal as GatedJournal;
  const { logger, lines, text } = capturedLogger('info');
  const book = undeliveredApproval({ connector: upstream, logger });
  try {
    void book(purchase, { ...purchase, 0: '0210', 38: 'A00001', 39: '00' }, upstream, 'client-gone', 'pos');
    await within(gated.added, 10_000, 'the reversal never reached the journal');
    assert.equal(book.logUnderway(), 1);
    // The abort's destroy after its end line (the connector is closing: the send without SAF is refused), then the store
    // refused (a full disk, a store cut).
    const destroyed = upstream.destroy();
    gated.letThrough(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    await within(book.settled(), 10_000, 'the reversal never settled');
    await within(destroyed, 10_000, 'the destroy did not end');
  } finally {
    gated.letThrough();
  }
  const logged = text();
  assertToldOnce(lines, logged, 'its reversal could not be stored nor sent: NOT reversed (already listed NOT known reversed)');
  assert.match(logged, /its reversal could not be stored, sending it once without SAF/, 'its end is seen (the store refused)');
  assert.equal(book.notReversed(), 1, 'counted NOT reversed');
  assert.doesNotMatch(logged, /4111111111111111/);
});

test('abort – an approval logged "NOT known reversed" whose reversal, sent once without SAF, the bank then declines: the later line names its response code (sr68c #2)', async (t) => {
  let journal: GatedJournal | undefined;
  const { upstream } = await reversingBank(t, (dir) => (journal = new GatedJournal(dir)), '05');
  const gated = journal as GatedJournal;
  const { logger, lines, text } = capturedLogger('info');
  const book = undeliveredApproval({ connector: upstream, logger });
  try {
    void book(purchase, { ...purchase, 0: '0210', 38: 'A00001', 39: '00' }, upstream, 'client-gone', 'pos');
    await within(gated.added, 10_000, 'the reversal never reached the journal');
    assert.equal(book.logUnderway(), 1);
    gated.letThrough(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    await within(book.settled(), 10_000, 'the reversal never settled');
  } finally {
    gated.letThrough();
  }
  const logged = text();
  const end = assertToldOnce(lines, logged, 'its reversal, sent once without SAF, was not accepted (05): NOT reversed (already listed NOT known reversed)');
  assert.equal(end.responseCode, '05', 'the bank\'s response code is said');
  assert.equal(book.notReversed(), 1, 'counted NOT reversed');
  assert.doesNotMatch(logged, /4111111111111111/);
});

/**
 * The approval of `purchase` is told NOT (known) reversed at `error` once (the list), its end once more at `warn`,
 * marked `alreadyListed`, with the same STAN and terminal, ending in `end`; returns that later line.
 */
function assertToldOnce(lines: readonly Record<string, unknown>[], logged: string, end: string): Record<string, unknown> {
  const why = 'an approval could not be delivered (the client has gone)';
  const told = lines.filter((l) => l.stan === '000671' && / NOT (known )?reversed( \(already listed NOT known reversed\))?$/.test(String(l.msg)));
  assert.deepEqual(told.map((l) => [l.level, l.msg, l.alreadyListed, l.terminal]), [
    [50, `${why}: its reversal is still being stored or sent as the stop ends: NOT known reversed`, undefined, 'TERM0067'],
    [40, `${why}: ${end}`, true, 'TERM0067'],
  ], `listed once at error, its end at warn: ${logged}`);
  return told[1] as Record<string, unknown>;
}

test('abort and stop – an approval still under way is listed once however many ask (an abort then a stop), counted by each; a stop that sees an abort begun lists and counts nothing (sr68c #4)', async (t) => {
  let journal: GatedJournal | undefined;
  const { upstream } = await reversingBank(t, (dir) => (journal = new GatedJournal(dir)));
  const gated = journal as GatedJournal;
  const { logger, lines, text } = capturedLogger('info');
  const book = undeliveredApproval({ connector: upstream, logger });
  try {
    void book(purchase, { ...purchase, 0: '0210', 38: 'A00001', 39: '00' }, upstream, 'client-gone', 'pos');
    await within(gated.added, 10_000, 'the reversal never reached the journal');
    assert.equal(await within(book.notReversedSince(0, Date.now() - STOP_SETTLE_WAIT, () => true), 10_000, 'the stop to count'), 0, 'an abort begun: the stop counts none under way (the abort does), nor any ended NOT reversed (none here)');
    assert.equal(lines.filter((l) => String(l.msg).endsWith('NOT known reversed')).length, 0, `nor lists it: ${text()}`);
    assert.equal(book.logUnderway(), 1, 'the abort counts it');
    assert.equal(book.logUnderway(), 1, 'a second call counts it too (still undone)');
  } finally {
    gated.letThrough();
  }
  await within(book.settled(), 10_000, 'the reversal never settled');
  const under = lines.filter((l) => String(l.msg).endsWith('NOT known reversed'));
  assert.equal(under.length, 1, `listed once: ${text()}`);
});

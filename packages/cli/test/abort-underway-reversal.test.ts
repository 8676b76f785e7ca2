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
import { FileJournal, undeliveredApproval } from '@iso8583/connector';
import type { JournalEntry } from '@iso8583/connector';
import { capturedLogger, within } from '@iso8583/test-support';
import { ABORT_MAX_WAIT, abortConnectors, abortStoreWait, cutThenDestroy } from '../src/drain.js';
import { reversingBank } from './helpers/reversing-bank.js';

const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1207043000', 11: '000671', 12: '043000', 13: '1207', 41: 'TERM0067', 49: '840' };

/** The file journal whose new entries wait for `letThrough()` (a store that does not answer); `added` once one is asked. */
class GatedJournal extends FileJournal {
  private opened: () => void = () => undefined;
  private readonly gate = new Promise<void>((resolve) => (this.opened = resolve));
  private asked: () => void = () => undefined;
  readonly added = new Promise<void>((resolve) => (this.asked = resolve));
  override add(entry: JournalEntry): Promise<void> {
    this.asked();
    return this.gate.then(() => super.add(entry));
  }
  letThrough(): void {
    this.opened();
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

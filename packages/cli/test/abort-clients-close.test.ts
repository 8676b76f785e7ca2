// The abort of `iso8583 gateway` and `iso8583 run` (abortConnectors, drain.ts) cuts the client connections, and each,
// as it closes, reports an approval it could not deliver (pipelined behind another reply, or for a client slow to
// read): its reversal must be stored in the SAF journal before the connectors are destroyed. The abort waited for
// that close at most 100 ms, by a timer of its own: a process descheduled past it (a busy machine) ran the timer
// before the sockets' close callbacks, destroyed the connectors, the store was refused (CONNECTOR_CLOSED) and the
// approval logged "NOT reversed": approved at the bank, the terminal never told, never reversed.
// Here the close reports its approval 125 ms after the cut: the timers order it (the abort's old timer of 100 ms, made
// after this one, fires first; its bound now, made before it, fires after), not a sleep. Then 300 ms after it: a cut
// that joins a graceful close under way (a second stop signal while the POS endpoint reads out a terminal slow to read)
// waited for it at most 250 ms (CLIENTS_CLOSE_WAIT, then two turns): the approval was "NOT reversed". The abort's
// timer of 250 ms is made before this one, so fires first (its `beforeDestroy` then finds nothing to wait for); the
// destroy then waits for the close itself (up to ABORT_CLOSE_WAIT, 3 s, the last resort), then for the reversal its
// report began. Real parts: the bank's inbound endpoint, the upstream connector with its FileJournal, the gateway's book of
// undelivered approvals (`undeliveredApproval`), what the gateway's abort gives as `beforeDestroy` (its `settled`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, undeliveredApproval } from '@iso8583/connector';
import { capturedLogger, within } from '@iso8583/test-support';
import { ABORT_LINE_WAIT, abortConnectors } from '../src/drain.js';
import { reversingBank } from './helpers/reversing-bank.js';

const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1206043000', 11: '000611', 12: '043000', 13: '1206', 41: 'TERM0001', 49: '840' };

/**
 * The abort of a client whose connection reports its approval `closedAfter` ms after the cut: the approval must be
 * reversed and stored; `inTime`: the connectors were also destroyed before the end line (no `"closing": true`).
 */
async function lateReport(t: { after(fn: () => unknown): void }, closedAfter: number, inTime: boolean): Promise<void> {
  assert.ok(closedAfter < ABORT_LINE_WAIT, 'the late close comes within the last-resort bound');
  let journalDir = '';
  const { upstream } = await reversingBank(t, (dir) => {
    journalDir = dir;
    return new FileJournal(dir);
  });
  const { logger, lines, text } = capturedLogger('info');
  const book = undeliveredApproval({ connector: upstream, logger });
  let closed: Promise<void> | undefined;
  // The client's connection closes late (the process descheduled, a socket read out first): its report of the
  // approval it never got comes after the abort's old 100 ms wait.
  const closeLate = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, closedAfter)).then(
    () => book(purchase, { ...purchase, 0: '0210', 38: 'A00001', 39: '00' }, upstream, 'client-gone', 'pos'),
  );
  await within(abortConnectors(logger, 'gateway', [upstream], {
    closeListeners: () => (closed = closeLate()),
    beforeDestroy: () => book.settled(ABORT_LINE_WAIT),
  }), 10_000, 'the abort did not end');
  // The report came and its reversal settled (stored, or refused by a destroy that came first: "NOT reversed").
  await within(closed ?? Promise.reject(new Error('no cut')), 10_000, 'the client never reported its approval');
  await within(book.settled(), 10_000, 'the reversal never settled');
  const logged = text();
  assert.doesNotMatch(logged, /NOT reversed/);
  assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
  const end = lines.find((l) => String(l.msg).startsWith('gateway aborted'));
  assert.ok(end !== undefined, `the end line: ${logged}`);
  assert.equal(end.reversalsPending, 1, 'the reversal is left in the journal for the next start');
  if (inTime) assert.equal(end.closing, undefined, 'the connectors were destroyed before the end line');
  const stored = readdirSync(journalDir).map((f) => readFileSync(join(journalDir, f), 'latin1')).join('');
  assert.match(stored, /0400/, 'the reversal is in the journal');
  assert.doesNotMatch(logged, /4111111111111111/);
}

test('abort – an approval a cut client reports as it closes, after a busy pause, is reversed (stored) before the connectors go', async (t) => {
  await lateReport(t, 125, true);
});

test('abort – an approval a cut client reports past half the end line\'s wait (a graceful close\'s read-out under way) is reversed (stored), never "NOT reversed"', async (t) => {
  await lateReport(t, 300, false);
});

// The abort of `iso8583 gateway` and `iso8583 run` (abortConnectors, drain.ts) cuts the client connections, and each,
// as it closes, reports an approval it could not deliver (pipelined behind another reply, or for a client slow to
// read): its reversal must be stored in the SAF journal before the connectors are destroyed. The abort waited for
// that close at most 100 ms, by a timer of its own: a process descheduled past it (a busy machine) ran the timer
// before the sockets' close callbacks, destroyed the connectors, the store was refused (CONNECTOR_CLOSED) and the
// approval logged "NOT reversed": approved at the bank, the terminal never told, never reversed.
// Here the close reports its approval 125 ms after the cut (within the abort's bound for a close that hangs,
// CLIENTS_CLOSE_WAIT): the timers order it (the abort's old timer of 100 ms, made after this one, fires first; its
// bound now, made before it, fires after), not a sleep. Real parts: the bank's inbound endpoint, the upstream connector with its FileJournal, the gateway's book of
// undelivered approvals (`undeliveredApproval`), what the gateway's abort gives as `beforeDestroy` (its `settled`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, undeliveredApproval } from '@iso8583/connector';
import { capturedLogger, within } from '@iso8583/test-support';
import { ABORT_LINE_WAIT, CLIENTS_CLOSE_WAIT, abortConnectors } from '../src/drain.js';
import { reversingBank } from './helpers/reversing-bank.js';

/** When the cut client's connection reports (ms after the cut): past the abort's old 100 ms, within its bound now. */
const CLOSED_AFTER = 125;

const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1206043000', 11: '000611', 12: '043000', 13: '1206', 41: 'TERM0001', 49: '840' };

test('abort – an approval a cut client reports as it closes, after a busy pause, is reversed (stored) before the connectors go', async (t) => {
  assert.ok(CLOSED_AFTER < CLIENTS_CLOSE_WAIT, 'the late close comes within the bound for a close that hangs');
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
  const closeLate = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, CLOSED_AFTER)).then(
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
  assert.equal(end.closing, undefined, 'the connectors were destroyed before the end line');
  const stored = readdirSync(journalDir).map((f) => readFileSync(join(journalDir, f), 'latin1')).join('');
  assert.match(stored, /0400/, 'the reversal is in the journal');
  assert.doesNotMatch(logged, /4111111111111111/);
});

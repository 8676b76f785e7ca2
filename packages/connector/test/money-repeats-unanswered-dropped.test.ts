// The money figures' memory drops the oldest unanswered transaction of one STAN and terminal past UNANSWERED_PER_KEY
// (money-repeats.ts): its late answer then counts as an unknown transaction's. It was dropped with no line: the
// `onDrop` hook tells of it, and the connector's (accounting.ts `droppedUnansweredLine`) logs
// ISO8583_WARN_MONEY_UNANSWERED_DROPPED with the STAN and terminal as `summarize` shows them (no card data).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { capturedLogger } from '@iso8583/test-support';
import { Accounting, droppedUnansweredLine } from '../src/accounting.js';
import { MoneyRepeats, UNANSWERED_PER_KEY } from '../src/money-repeats.js';
import type { DroppedUnanswered } from '../src/money-repeats.js';

/** A purchase of STAN 42 at `terminal`, its field 7 the `n`th second. */
const buy = (n: number, terminal = 'TERM0001'): Record<string, string> => ({ '0': '0200', '3': '000000', '4': '000000001000', '7': `1207${String(n).padStart(6, '0')}`, '11': '000042', '41': terminal });

test('money repeats – the oldest unanswered transaction dropped past the per-key bound is told, a settled one dropped is not', () => {
  const dropped: DroppedUnanswered[] = [];
  const repeats = new MoneyRepeats(getDialect('iso87ascii'), 30_000, undefined, undefined, 1, 2, (d) => dropped.push(d));
  repeats.written('0200', buy(1));
  repeats.written('0200', buy(2));
  assert.equal(dropped.length, 0, 'two unanswered: none dropped');
  repeats.written('0200', buy(3));
  assert.deepEqual(dropped, [{ stan: '000042', terminal: 'TERM0001' }], 'the third drops the oldest unanswered');
  // Settled transactions are dropped past the settled bound without a word (their answers were counted).
  const settled = new MoneyRepeats(getDialect('iso87ascii'), 30_000, undefined, undefined, 2, 256, (d) => dropped.push(d));
  for (let n = 1; n <= 4; n++) {
    settled.written('0200', buy(n));
    settled.financial('0200', buy(n), true);
  }
  assert.equal(dropped.length, 1, 'no line for a settled transaction dropped');
});

test('the connector\'s accounting logs ISO8583_WARN_MONEY_UNANSWERED_DROPPED, the terminal masked', () => {
  const captured = capturedLogger('info');
  const source = { inFlight: () => 0, poolSize: () => 0, reversalsPending: () => 0, safDepth: () => 0, safEnded: () => ({ delivered: 0, expired: 0, abandoned: 0 }) };
  const pan = '4111111111111111'; // a test card number given as field 41 by mistake
  const accounting = new Accounting('default', source, undefined, getDialect('iso87ascii'), 30_000, droppedUnansweredLine(captured.logger));
  for (let n = 1; n <= UNANSWERED_PER_KEY; n++) accounting.packed('0200', buy(n, pan));
  assert.deepEqual(captured.lines.filter((l) => l['code'] === 'ISO8583_WARN_MONEY_UNANSWERED_DROPPED'), [], `${UNANSWERED_PER_KEY} unanswered: none dropped`);
  accounting.packed('0200', buy(UNANSWERED_PER_KEY + 1, pan));
  const lines = captured.lines.filter((l) => l['code'] === 'ISO8583_WARN_MONEY_UNANSWERED_DROPPED');
  assert.equal(lines.length, 1, 'one transaction dropped, one line');
  assert.equal(lines[0]!['level'], 40, 'at warn');
  assert.equal(lines[0]!['stan'], '000042');
  assert.equal(lines[0]!['unansweredPerKey'], UNANSWERED_PER_KEY);
  assert.match(String(lines[0]!['terminal']), /^411111\*+1111$/, 'the PAN given as the terminal is masked');
  assert.ok(!captured.text().includes(pan), 'no card number in the log');
});

/** The late approval of `buy(n)`, echoing its field 7, without 37 or 38. */
const approvalOf = (n: number): Record<string, string> => ({ ...buy(n), '0': '0210', '39': '00' });

test('money repeats – the late approval of a transaction dropped past the per-key bound counts as an unknown one\'s, not on another record: every booking counted (sr65e #2)', () => {
  const repeats = new MoneyRepeats(getDialect('iso87ascii'), 30_000, undefined, undefined, 1, 2);
  for (const n of [1, 2, 3]) repeats.written('0200', buy(n)); // the first dropped unanswered (2 at most under the key)
  const counted = [1, 2, 3].filter((n) => repeats.financial('0200', approvalOf(n), true, true).secured);
  assert.deepEqual(counted, [1, 2, 3], 'three bookings, three approvals counted');
});

test('money repeats – the late approval of a transaction aged out counts as an unknown one\'s, not on the key\'s later record (sr65e #2)', () => {
  let now = 0;
  const repeats = new MoneyRepeats(getDialect('iso87ascii'), 1_000, () => now);
  repeats.written('0200', buy(1));
  now = 3_000;
  repeats.written('0200', buy(2));
  now = 4_500; // past the first one's age (4 timeouts), not the second's
  const counted = [1, 2].filter((n) => repeats.financial('0200', approvalOf(n), true, true).secured);
  assert.deepEqual(counted, [1, 2], 'two bookings, two approvals counted');
});

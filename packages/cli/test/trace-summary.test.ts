/**
 * The summary of a trace line shows the terminal (41) as the transaction log does: a terminal id of up to 8
 * characters as it is (a Latin-1 letter too: `TÉST001`), even all digits that pass the Luhn check; a longer value only
 * without a card-shaped digit run; a control character never.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createTracer } from '../src/trace.js';

/** The terminal of the summary line of a message whose field 41 is `terminal`. */
function tracedTerminal(terminal: string): unknown {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  createTracer({ logger }).message('in', { '0': '0200', '11': '000001', '41': terminal }, { side: 'pos', peer: '127.0.0.1:1' });
  return (JSON.parse(lines[0] as string) as { terminal?: unknown }).terminal;
}

test('trace summary – a terminal id of 8 characters is shown as it is, all digits passing the Luhn check included', () => {
  assert.equal(tracedTerminal('TERM0001'), 'TERM0001');
  assert.equal(tracedTerminal('12345674'), '12345674');
});

test('trace summary – a longer field 41 with a card-shaped digit run is invalid: a PAN, a short Luhn-valid one', () => {
  assert.equal(tracedTerminal('4111111111111111'), 'invalid');
  assert.equal(tracedTerminal('T-60110004'), 'invalid');
  assert.equal(tracedTerminal('T-60110005'), 'T-60110005');
});

test('trace summary – a terminal id with a Latin-1 letter is shown as stored; a control character (C0, DEL, C1) is invalid', () => {
  assert.equal(tracedTerminal('TÉST001'), 'TÉST001');
  assert.equal(tracedTerminal('KASSE-Ü1'), 'KASSE-Ü1');
  assert.equal(tracedTerminal('T\u009b31m'), 'invalid');
  assert.equal(tracedTerminal('T\u007f1'), 'invalid');
  assert.equal(tracedTerminal('T\u001b1'), 'invalid');
  // Still no card-shaped digit run past 8 characters, whatever its letters.
  assert.equal(tracedTerminal('É-60110004'), 'invalid');
});

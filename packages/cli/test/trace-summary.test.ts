/**
 * The summary of a trace line shows the terminal (41) as the transaction log does: a terminal id of up to 8
 * characters as it is, even all digits that pass the Luhn check; a longer value only without a card-shaped digit run.
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

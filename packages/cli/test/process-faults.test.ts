// The text of a sequence's fault as `iso8583 run` logs it (process-faults.ts `maskFaultText`, sr67i item 7): masked
// before it is cut, so a cut through a PAN never leaves its head in clear.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskFaultText } from '../src/process-faults.js';

const PAN = '4111111111111111';

test('maskFaultText – a PAN that the 2,000-character cut goes through shows none of its middle digits', () => {
  for (const before of [1_985, 1_989, 1_994, 1_999]) {
    const text = maskFaultText(`${'word '.repeat(before / 5)}${'-'.repeat(before % 5)}${PAN} and more`);
    assert.ok(text.endsWith('...'), 'the text is cut');
    const digits = /[0-9]+\*{0,6}[0-9]*\.\.\.$/.exec(text)?.[0] ?? '';
    assert.ok(!text.includes('41111111111'), `cut at ${2_000 - before} digits: ${digits}`);
    assert.ok(!/[0-9]{7,}/.test(text), `no 7 digits in a row: ${digits}`);
  }
});

test('maskFaultText – a track 1 name between its separators and hex with its byte pairs apart are hidden', () => {
  const text = maskFaultText('name ^CARDHOLDER/TEST^ icc 9f 26 08 a1 b2 c3 d4 e5 f6 at step 12');
  assert.ok(!text.includes('CARDHOLDER'), text);
  assert.ok(!text.includes('a1 b2 c3'), text);
  assert.match(text, /at step 12$/);
  // A caret earlier in the text does not take the name's opening separator (sr67o #3).
  const after = maskFaultText('expected ^ near B4111^DOE/JOHN^2512');
  assert.ok(!after.includes('DOE/JOHN'), after);
});

test('maskFaultText – base64 of a card number (BCD or text) and padded base64 (a PIN block) are hidden; words are kept', () => {
  const bcd = Buffer.from('4761739001010010', 'hex').toString('base64');
  const text = Buffer.from('4111111111111111').toString('base64');
  const pin = Buffer.from('0123456789ABCDEF', 'hex').toString('base64');
  const masked = maskFaultText(`bcd ${bcd} text ${text} pin ${pin} at handleRequestMessage`);
  for (const form of [bcd, text, pin]) assert.ok(!masked.includes(form), masked);
  assert.match(masked, /at handleRequestMessage$/);
});

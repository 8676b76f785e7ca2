// A card number as a hold or a noted late approval keeps it (transactions-in-flight.ts `cardMark`): never whole, and
// for a short one (under 13 digits) not its first six and last four, where the Luhn check digit gives the rest back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import { transactionIdentity } from '../src/transactions-in-flight.js';

const dialect = getDialect('iso87ascii');
const markOf = (pan: string): string | undefined => transactionIdentity(dialect, { '2': pan, '11': '000001', '41': 'TERM0001' }).card;

test('a short card number is kept by its length and at most its last four digits', () => {
  for (const pan of ['12345', '123456789', '1234567890', '12345678901', '123456789012']) {
    const mark = markOf(pan) as string;
    assert.ok(!mark.includes(pan.slice(0, 6)), `${pan.length} digits: no first six in ${mark}`);
    assert.ok(mark.replace(/\D/g, '').length <= String(pan.length).length + 4, `${pan.length} digits: at most the last four in ${mark}`);
  }
  assert.notEqual(markOf('12345678901'), markOf('12345678902'), 'another last digit: another card');
  assert.equal(markOf('4000000000000002'), '400000.16.0002', 'a full-length card: first six, length, last four');
});

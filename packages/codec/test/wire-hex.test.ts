import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, getDialect, wireHex } from '../src/index.js';
import type { Dialect } from '../src/index.js';

test('wireHex – a value as its field\'s encoding puts it on the wire, in hex', () => {
  assert.equal(wireHex('4761', 'ascii'), '34373631');
  assert.equal(wireHex('4761=25', 'ebcdic'), 'F4F7F6F17EF2F5');
  assert.equal(wireHex('4761=25', 'ebcdic-1047'), 'F4F7F6F17EF2F5');
  assert.equal(wireHex('a[', 'ebcdic-1047'), '81AD');
  assert.equal(wireHex('a[', 'ebcdic-037'), '81BA');
  assert.equal(wireHex('4761=25', 'bcd'), '4761D25');
  assert.equal(wireHex('1a2b', 'binary'), '1A2B');
  assert.equal(wireHex('1A2B', 'hex'), '31413242');
  assert.equal(wireHex('1a2b', 'ebcdic-hex'), 'F1C1F2C2');
});

test('wireHex – what the codec packs holds the value\'s wire hex (EBCDIC field 2)', () => {
  const base = structuredClone(getDialect('iso87ascii'));
  base.fields['2']!.encoding = 'ebcdic-037';
  const dialect: Dialect = { ...base, name: 'pan-in-037' };
  const bytes = createCodec(dialect).pack({ 0: '0200', 2: '4761739001010010', 11: '000001' });
  assert.ok(bytes.toString('hex').toUpperCase().includes(wireHex('4761739001010010', 'ebcdic-037')));
});

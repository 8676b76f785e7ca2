import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REPEATED_KEYS, fromJson, fromXml, readJson, readMessage, repeatedKeys } from '../src/index.js';
import { rejects } from './rejects.js';

test('fromJson refuses a field given twice (JSON.parse would keep the second amount), as the XML reader does', () => {
  const text = '{"0":"0200","4":"000000000100","4":"000000099999","11":"000077"}';
  const err = rejects(() => fromJson(text), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(err.problems, [{ field: '4', code: 'ISO8583_ERR_FIELD_ID', reason: 'the field is given twice' }]);
  const xml = rejects(
    () => fromXml('<isomsg><field id="0" value="0200"/><field id="4" value="1"/><field id="4" value="2"/></isomsg>'),
    'ISO8583_ERR_INVALID_MESSAGE',
  );
  assert.deepEqual(err.problems, xml.problems, 'the same problem as the XML reader');
  assert.doesNotMatch(err.message, /000000099999|000000000100/);
  // readJson and readMessage read JSON text the same way.
  assert.deepEqual(rejects(() => readJson(text), 'ISO8583_ERR_INVALID_MESSAGE').problems, err.problems);
  assert.deepEqual(rejects(() => readMessage(text), 'ISO8583_ERR_INVALID_MESSAGE').problems, err.problems);
});

test('readJson names a repeat inside a composite, a repeat written with an escape, and a repeated header', () => {
  const err = rejects(
    () => readJson('{"0":"0200","127":{"2":"A","2":"B"},"\\u0034":"1","4":"2","header":"00","header":"01"}'),
    'ISO8583_ERR_INVALID_MESSAGE',
  );
  assert.deepEqual(err.problems!.map((p) => [p.field, p.code, p.reason]), [
    ['127.2', 'ISO8583_ERR_FIELD_ID', 'the field is given twice'],
    ['4', 'ISO8583_ERR_FIELD_ID', 'the field is given twice'],
    ['header', 'ISO8583_ERR_HEADER', 'the header is given twice'],
  ]);
  // A card-number-like key repeated is named without its digits.
  const pan = rejects(() => fromJson('{"4111111111111111":"x","4111111111111111":"y"}'), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.doesNotMatch(JSON.stringify(pan.problems) + pan.message, /4111/);
});

test('fromJson keeps messages whose keys repeat only across objects, in strings or in arrays', () => {
  assert.deepEqual(fromJson('{"0":"0200","48":{"2":"A"},"127":{"2":"B","3":"{\\"2\\":1,\\"2\\":2}"}}'), {
    '0': '0200', '48': { '2': 'A' }, '127': { '2': 'B', '3': '{"2":1,"2":2}' },
  });
  // A value ending in an escaped backslash, or holding an escaped quote, ends where JSON says.
  assert.deepEqual(fromJson(String.raw`{"0":"0200","43":"A\\","44":"\"","48":{"2":"\\\"","3":"B"}}`), {
    '0': '0200', '43': 'A\\', '44': '"', '48': { '2': '\\"', '3': 'B' },
  });
  const escaped = rejects(() => fromJson(String.raw`{"0":"0200","43":"A\\","43":"\"x"}`), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(escaped.problems!.map((p) => p.field), ['43']);
  const arrays = rejects(() => fromJson('{"0":"0200","5":[{"2":"A"},{"2":"B"}]}'), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(arrays.problems!.map((p) => p.reason), ['an array is not a field value']);
});

/** `size` characters of objects nested under "48" (half) and, in the deepest, "2" repeated (half). */
function deepRepeats(size: number): string {
  const depth = Math.floor(size / 2 / 6);
  return '{"48":'.repeat(depth) + '{' + '"2":1,'.repeat(Math.floor(size / 2 / 6)) + '"2":1}' + '}'.repeat(depth);
}

test('fromJson on nesting deeper than a message with repeated keys: the depth refused, no path copied per repeat (16, 64, 256 KiB)', () => {
  for (const kib of [16, 64, 256]) {
    const err = rejects(() => fromJson(deepRepeats(kib * 1024)), 'ISO8583_ERR_INVALID_MESSAGE');
    // Was: every repeat named by its whole path (a 262 KB error text at 72 KB, 17 s and 600 MB at 72 KB).
    assert.deepEqual(err.problems, [{ field: '48.48.48.48.48', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'composite fields nested too deep' }], `${kib} KiB`);
    assert.ok(err.message.length < 200, `${kib} KiB: a short error (${err.message.length} characters)`);
  }
});

test('fromJson names the first 20 repeats and counts the rest; repeatedKeys names at most MAX_REPEATED_KEYS', () => {
  const text = '{"0":"0200","48":{' + '"2":"A",'.repeat(5000) + '"3":"B"}}';
  const err = rejects(() => fromJson(text), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.equal(err.problems!.length, 20);
  assert.deepEqual(err.problems![0], { field: '48.2', code: 'ISO8583_ERR_FIELD_ID', reason: 'the field is given twice' });
  assert.equal(err.problems![19]!.reason, 'the field is given twice; and 4979 more keys given twice');
  assert.ok(err.message.length < 1000, `a short error (${err.message.length} characters)`);
  assert.equal(repeatedKeys(text).length, MAX_REPEATED_KEYS);
  assert.deepEqual(repeatedKeys(text, 2), [['48', '2'], ['48', '2']]);
});

test('fromJson with emv: a tag given twice inside EMV templates nested to the deepest read is refused, not read as its last value', () => {
  // review48h: repeats were looked for only as deep as composites nest (5), so 9F02 (the authorised amount) given twice
  // in four nested templates was read as its second value.
  for (let templates = 0; templates <= 6; templates++) {
    const names = ['E6', 'E5', 'E4', 'E3', 'E2', 'E1'].slice(6 - templates);
    const open = names.map((t) => `{"${t}":`).join('');
    const text = `{"0":"0200","55":${open}{"9F02":"000000000100","9F02":"000000999900"}${'}'.repeat(templates)}}`;
    const err = rejects(() => fromJson(text, { emv: true }), 'ISO8583_ERR_INVALID_MESSAGE');
    assert.deepEqual(err.problems!.map((p) => p.field), [['55', ...names, '9F02'].join('.')], `${templates} templates`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns, readVector } from '@iso8583/test-support';
import { Iso8583Error, fromJson, fromObject, fromXml, parseTlv, toJson, toXml } from '../src/index.js';
import { rejects } from './rejects.js';

const field55 = readVector('socketqueue/sv_200_purchase.bin').subarray(133).toString('hex').toUpperCase();

test('toJson writes an object keyed by field number, string values, ascending, no bitmap', () => {
  const text = toJson({ '41': '00992468', '3': '000000', '0': '0200', '1': 'B220', '127': { '2': 'K', header: '00' } });
  assert.equal(text, '{"0":"0200","3":"000000","41":"00992468","127":{"2":"K","header":"00"}}');
  assert.equal(toJson({ '0': '0800' }, { indent: 2 }), '{\n  "0": "0800"\n}');
});

test('fromJson reads strings, numbers and nested objects, and drops field 1', () => {
  const message = fromJson('{"0":"0200","1":"F000","4":1000,"11":"618160","127":{"2":"SWITCH_KEY","header":"00ab"},"39":null}');
  assert.deepEqual(message, { '0': '0200', '4': 1000, '11': '618160', '127': { '2': 'SWITCH_KEY', header: '00AB' } });
});

test('toJson and fromJson round-trip a message', () => {
  const message = { '0': '0200', '2': '5500000000000004', '43': 'A "SHOP" \\ \u00e9', '127': { '2': 'x' } };
  assert.deepEqual(fromJson(toJson(message)), message);
});

test('fromJson names every bad key and value at once', () => {
  const err = rejects(
    () =>
      fromJson(
        '{"0":"0200","abc":"1","-3":"1","0004":"1","200000":"x","5":true,"6":[1],"7":1.5,"8":-1,"2":4111111111111111111,"127":{"x":"1","header":"zz"}}',
      ),
    'ISO8583_ERR_INVALID_MESSAGE',
  );
  assert.deepEqual(
    err.problems!.map((p) => [p.field, p.code]).sort(),
    [
      ['######', 'ISO8583_ERR_FIELD_ID'],
      ['-3', 'ISO8583_ERR_FIELD_ID'],
      ['0004', 'ISO8583_ERR_FIELD_ID'],
      ['127.header', 'ISO8583_ERR_HEADER'],
      ['127.x', 'ISO8583_ERR_FIELD_ID'],
      ['2', 'ISO8583_ERR_FIELD_VALUE'],
      ['5', 'ISO8583_ERR_FIELD_VALUE'],
      ['6', 'ISO8583_ERR_FIELD_VALUE'],
      ['7', 'ISO8583_ERR_FIELD_VALUE'],
      ['8', 'ISO8583_ERR_FIELD_VALUE'],
      ['abc', 'ISO8583_ERR_FIELD_ID'],
    ],
  );
  assert.ok(!err.message.includes('411111'));
});

test('a key that could hold card data is cut in the problem', () => {
  const err = rejects(() => fromJson('{"4111111111111111":"x"}'), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.ok(!JSON.stringify(err).includes('4111111'));
});

test('fromJson refuses text that is not a JSON object with ISO8583_ERR_JSON, quoting nothing', () => {
  for (const text of ['', '{', '[1,2]', 'null', '"0200"', '42', '{"2": 4111111111111111,}']) {
    const err = rejects(() => fromJson(text), 'ISO8583_ERR_JSON');
    assert.ok(!err.message.includes('4111'));
    assert.equal(err.cause, undefined);
  }
  rejects(() => fromObject([{ '0': '0200' }]), 'ISO8583_ERR_JSON');
});

test('the EMV view shows field 55 as an object of tags and reads it back', () => {
  const text = toJson({ '0': '0200', '55': field55 }, { emv: true });
  const parsed = JSON.parse(text) as { '55': Record<string, string> };
  assert.equal(parsed['55']['9F26'], '571F1E10D4FA4AAC');
  assert.equal(parsed['55']['5F34'], '01');
  const back = fromJson(text, { emv: true });
  const tags = (hex: string) => parseTlv(hex).map((i) => `${i.tag}=${i.value}`).sort();
  assert.deepEqual(tags(back['55'] as string), tags(field55));
  assert.equal(JSON.parse(toJson({ '55': 'ZZ' }, { emv: true }))['55'], 'ZZ', 'not TLV: stays as it is');
  assert.equal(JSON.parse(toJson({ '55': field55 }))['55'], field55, 'without the option: hex');
});

test('field 55 as an object is built with the EMV option and named when its tags are bad', () => {
  assert.equal(fromJson('{"55":{"9F27":"80","70":{"5A":"4761739001010010"}}}', { emv: true })['55'], '700A5A0847617390010100109F270180');
  const err = rejects(() => fromJson('{"55":{"9G27":"80"}}', { emv: true }), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(err.problems!.map((p) => [p.field, p.code]), [['55', 'ISO8583_ERR_TLV']]);
  const value = rejects(() => fromJson('{"55":{"5A":"4761739001010010F"}}', { emv: true }), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.ok(!value.message.includes('47617390'));
});

test('fromJson(toJson(message)) gives back any message of text fields', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.integer({ min: 2, max: 192 }).map(String), fc.string()), (fields) => {
      const message = { '0': '0200', ...fields };
      assert.deepEqual(fromJson(toJson(message)), message);
    }),
    propertyRuns(300, 4),
  );
});

test('fromJson, fromXml, toXml – a key or name in other decimal digits (full-width) is shown as #, as ASCII digits are', () => {
  const wide = '４１１１１１１１１１１１１１１１';
  const texts: string[] = [];
  for (const run of [
    () => fromJson(JSON.stringify({ '0': '0200', [wide]: 'x' })),
    () => toXml({ '0': '0200', [wide]: 'x' }),
    () => fromXml(`<r${wide}/>`),
    () => fromXml(`<ISOMessage><data><field id="0">0200</field><field id="2" a${wide}="1">x</field></data></ISOMessage>`),
  ]) {
    try {
      run();
    } catch (err) {
      assert.ok(err instanceof Iso8583Error);
      texts.push(`${err.message} ${JSON.stringify(err.problems ?? [])}`);
      continue;
    }
    assert.fail('accepted');
  }
  for (const text of texts) {
    assert.doesNotMatch(text, /[０-９]/, text);
    assert.match(text, /#####/, text);
  }
});

/**
 * jPOS's rule for a dump's values, read with the dialect: a value without `type` is text (packed as its ISO-8859-1
 * bytes on a binary field), one with `type="binary"` is hex (its bytes as text on a character field). Any other
 * `type` is refused, naming the field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, createCodec, fromXml, readMessage } from '../src/index.js';

const binary = createCodec('iso87binary');
const ascii = createCodec('iso87ascii');

function problems(xml: string, codec = binary): unknown {
  try {
    fromXml(xml, { dialect: codec.dialect });
  } catch (err) {
    assert.ok(err instanceof Iso8583Error);
    assert.equal(err.code, 'ISO8583_ERR_INVALID_MESSAGE');
    return err.problems;
  }
  assert.fail('fromXml accepted the dump');
}

test('fromXml with a dialect – a text value on a binary field is its ISO-8859-1 bytes; type="binary" stays hex', () => {
  const dump = '<isomsg><field id="0" value="0800"/><field id="52" value="0001020304050607" type="binary"/><field id="55" value="AB&#233;D"/><field id="70" value="301"/></isomsg>';
  const { message } = fromXml(dump, { dialect: binary.dialect });
  assert.deepEqual(message, { '0': '0800', '52': '0001020304050607', '55': '4142E944', '70': '301' });
  assert.equal(binary.unpack(binary.pack(message))['55'], '4142E944');
  // readMessage passes the dialect on.
  assert.deepEqual(readMessage(dump, { dialect: binary.dialect }).message, message);
});

test('fromXml with a dialect – a type="binary" value on a character field is the text of its bytes', () => {
  const { message } = fromXml('<isomsg><field id="0" value="0800"/><field id="43" value="414243" type="binary"/></isomsg>', { dialect: ascii.dialect });
  assert.equal(message['43'], 'ABC');
  assert.equal(ascii.unpack(ascii.pack(message))['43'], 'ABC'.padEnd(40), 'field 43 is ans 40, padded with spaces');
});

test('fromXml – a type other than "binary", or a type="binary" value that is not hex, is refused naming the field', () => {
  const expected = [
    { field: '4', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a type other than "binary" (jPOS writes no other)' },
    { field: '127.2', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a type="binary" value that is not hex bytes' },
  ];
  const dump = '<isomsg><field id="0" value="0200"/><field id="4" value="1" type="amount"/><isomsg id="127"><field id="2" value="XYZ" type="binary"/></isomsg></isomsg>';
  assert.deepEqual(problems(dump), expected);
  assert.throws(() => fromXml(dump), (err: Iso8583Error) => assert.deepEqual(err.problems, expected) === undefined);
});

test('fromXml with a dialect – a text value on a binary field with a character above U+00FF is refused, not quoted', () => {
  assert.deepEqual(problems('<isomsg><field id="0" value="0200"/><field id="55" value="4761&#8364;"/></isomsg>'), [
    { field: '55', code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a text value on a binary field with a character ISO-8859-1 cannot carry' },
  ]);
});

test('fromXml without a dialect – a dump\'s values are read as written', () => {
  const { message } = fromXml('<isomsg><field id="0" value="0800"/><field id="52" value="00010203" type="binary"/><field id="55" value="ABCD"/></isomsg>');
  assert.deepEqual(message, { '0': '0800', '52': '00010203', '55': 'ABCD' });
});

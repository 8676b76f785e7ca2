import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, readMessage, writeMessage } from '../src/index.js';

const MESSAGE = { '0': '0200', '3': '000000', '11': '618160' };

test('readMessage tells XML text, JSON text and objects apart', () => {
  const xml = '<ISOMessage><header>AAAAaw==</header><data><field id="0">0200</field><field id="3">000000</field><field id="11">618160</field></data></ISOMessage>';
  const fromXml = readMessage(`\uFEFF \n${xml}`);
  assert.equal(fromXml.form, 'xml');
  assert.deepEqual(fromXml.message, MESSAGE);
  assert.deepEqual(fromXml.header, Buffer.from([0, 0, 0, 0x6b]));

  const fromJson = readMessage(' {"0":"0200","3":"000000","11":"618160"}');
  assert.deepEqual(fromJson, { form: 'json', message: MESSAGE });

  const fromObject = readMessage({ ...MESSAGE, '1': 'ignored' });
  assert.deepEqual(fromObject, { form: 'object', message: MESSAGE });
});

test('readMessage refuses what is neither, with the code of the form it looked like', () => {
  const codeOf = (input: unknown): string => {
    try {
      readMessage(input as string);
    } catch (err) {
      assert.ok(err instanceof Iso8583Error);
      return err.code;
    }
    return 'none';
  };
  assert.equal(codeOf('<nope/>'), 'ISO8583_ERR_XML');
  assert.equal(codeOf('0200...'), 'ISO8583_ERR_JSON');
  assert.equal(codeOf({ abc: '1' }), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.equal(codeOf(Buffer.from('0200')), 'ISO8583_ERR_OPTION');
});

test('writeMessage answers in the form asked, and readMessage reads it back', () => {
  const header = Buffer.from('6000010002', 'hex');
  for (const form of ['xml', 'json', 'object'] as const) {
    const written = writeMessage(MESSAGE, form, header);
    assert.equal(typeof written, form === 'object' ? 'object' : 'string');
    const read = readMessage(written);
    assert.deepEqual(read.message, MESSAGE);
    assert.equal(read.form, form);
    if (form === 'xml') assert.deepEqual(read.header, header);
  }
  assert.throws(() => writeMessage(MESSAGE, 'yaml' as 'xml'), (err) => err instanceof Iso8583Error && err.field === 'form');
});

test('the EMV option goes through readMessage and writeMessage', () => {
  const tlv = '9F2701809F36020001';
  const json = writeMessage({ '0': '0200', '55': tlv }, 'json', undefined, { emv: true }) as string;
  assert.deepEqual(JSON.parse(json)['55'], { '9F27': '80', '9F36': '0001' });
  assert.equal(readMessage(json, { emv: true }).message['55'], tlv);
  const xml = writeMessage({ '0': '0200', '55': tlv }, 'xml', undefined, { emv: true }) as string;
  assert.ok(xml.includes('<tag id="9F36">0001</tag>'));
  assert.equal(readMessage(xml).message['55'], tlv);
});

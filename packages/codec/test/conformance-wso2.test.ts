/**
 * Conformance with the WSO2 ISO8583 connector and inbound endpoint: their wire images decode under their dialect
 * (jposdef.xml, imported) to the documented fields and pack again byte for byte; their request XML packs, and the
 * invalid request is refused naming every offending field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromPackagerXml, FrameDecoder, fromXml, isIso8583Error } from '../src/index.js';
import type { Codec } from '../src/index.js';
import { vectorText } from './conformance-support.js';

interface Wso2Message {
  ascii: string;
  fields: Record<string, string>;
}

function jposdef(lenient = false): Codec {
  return createCodec(dialectFromPackagerXml(vectorText('wso2/jposdef.xml'), 'jposdef'), { lenient });
}

function messages(): Record<string, Wso2Message> {
  return JSON.parse(vectorText('wso2/messages.json')) as Record<string, Wso2Message>;
}

function wso2(name: string): Wso2Message {
  const m = messages()[name];
  assert.ok(m !== undefined, name);
  return m;
}

test('WSO2 conformance – the test client 0200 decodes under jposdef.xml and packs again byte for byte', () => {
  const { ascii, fields } = wso2('testclient_0200');
  const image = Buffer.from(ascii, 'latin1');
  const codec = jposdef();
  assert.deepEqual(codec.unpack(image), fields);
  assert.deepEqual(codec.pack(fields), image);
});

test('WSO2 conformance – the test client\'s trailing LF is not part of the message', () => {
  const { ascii, fields } = wso2('testclient_0200');
  const sent = Buffer.concat([Buffer.from(ascii, 'latin1'), Buffer.from([0x0a])]);
  const codec = jposdef();
  assert.throws(() => codec.unpack(sent), (err: unknown) => isIso8583Error(err) && err.code === 'ISO8583_ERR_TRAILING_BYTES');
  const decoded = codec.decode(sent, { trailing: 'allow' });
  assert.equal(decoded.length, ascii.length);
  assert.deepEqual(decoded.message, fields);
  // The message measures as its own length: a stream with no length header is cut before the LF.
  assert.equal(codec.measure(sent), ascii.length);
});

test('WSO2 conformance – the ATM 0200 (ascii4 frame) decodes in lenient mode and packs again byte for byte', () => {
  const { ascii, fields } = wso2('atm_0200_with_ascii4_length');
  const frames = new FrameDecoder({ lengthHeader: 'ascii4' }).push(Buffer.from(ascii, 'latin1'));
  assert.equal(frames.length, 1);
  const payload = frames[0]?.payload ?? Buffer.alloc(0);
  assert.equal(payload.length, 308);
  const codec = jposdef(true);
  assert.deepEqual(codec.unpack(payload), fields);
  assert.deepEqual(codec.pack(fields), payload);
});

test('WSO2 conformance – strict mode refuses the ATM 0200 at field 3 (letters in an n field)', () => {
  const { ascii } = wso2('atm_0200_with_ascii4_length');
  const payload = Buffer.from(ascii.slice(4), 'latin1');
  try {
    jposdef().unpack(payload);
    assert.fail('strict decode accepted letters in field 3');
  } catch (err) {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_FIELD_TYPE');
    assert.equal(err.field, '3');
    assert.equal(typeof err.offset, 'number');
    assert.doesNotMatch(err.message, /IW02/);
  }
});

test('WSO2 conformance – sendMessage-request.xml packs under jposdef.xml and decodes back to its fields', () => {
  const { message } = fromXml(vectorText('wso2/sendMessage-request.xml'));
  const codec = jposdef();
  assert.deepEqual(codec.validate(message), []);
  const image = codec.pack(message);
  assert.equal(image.toString('latin1').slice(0, 4), '0200');
  assert.deepEqual(codec.unpack(image), message);
});

test('WSO2 conformance – sendMessage-request-invalid.xml is refused, naming every offending field and no value', () => {
  const xml = vectorText('wso2/sendMessage-request-invalid.xml');
  /*
   * Offending under jposdef.xml: the MTI (7 digits), 3 (17 digits for n6), 4 (letters, 17 for n12), 7 (letters, 16
   * for n10), 11 (letters, 12 for n6). Fields 44 (13 characters, IFA_LLCHAR up to 25) and 105 (IFA_LLLCHAR up to 999)
   * fit their definitions in jposdef.xml, so they are not refused.
   */
  const offending = ['0', '3', '4', '7', '11'];
  let message;
  try {
    message = fromXml(xml).message;
  } catch (err) {
    // Refused already when read: then the XML reader names the fields.
    assert.ok(isIso8583Error(err));
    assert.deepEqual([...new Set((err.problems ?? []).map((p) => p.field))].sort(), [...offending].sort());
    return;
  }
  const codec = jposdef();
  const problems = codec.validate(message);
  assert.deepEqual([...new Set(problems.map((p) => p.field))].sort(), [...offending].sort());
  try {
    codec.pack(message);
    assert.fail('the invalid request was packed');
  } catch (err) {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_INVALID_MESSAGE');
    assert.deepEqual([...new Set((err.problems ?? []).map((p) => p.field))].sort(), [...offending].sort());
    for (const f of offending) assert.match(err.message, new RegExp(`\\b${f}\\b`));
    for (const value of ['56887894210231093', 'GHYTI', 'ELKJFE', 'FWEKRW']) {
      assert.ok(!err.message.includes(value), 'no value in the error text');
      assert.ok(!JSON.stringify(err.problems).includes(value), 'no value in the problems');
    }
  }
});

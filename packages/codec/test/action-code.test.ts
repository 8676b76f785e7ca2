import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionCode1993, createCodec, dialectFromJson, getDialect, isApprovalClass, isIso8583Error, pack, responseCodeFor, responseCodeIn } from '../src/index.js';

test('action codes – a 1987 response code answers a 0xxx MTI as it is and a 1xxx MTI in the 1993 action code', () => {
  const vectors: Array<[string, string, string]> = [
    ['0200', '96', '96'],
    ['0200', '00', '00'],
    ['1200', '00', '000'],
    ['1100', '51', '116'],
    ['1200', '30', '904'],
    ['1200', '96', '909'],
    ['1200', '91', '907'],
    ['1200', '68', '911'],
    ['1200', '94', '913'],
    ['1420', '00', '400'],
    ['1421', '25', '914'],
    ['1804', '00', '800'],
    ['1804', '12', '902'],
    ['1304', '00', '300'],
  ];
  for (const [mti, code, expected] of vectors) assert.equal(responseCodeFor(mti, code), expected, `${mti} ${code}`);
});

test('action codes – a code with no 1993 counterpart is 909 (system malfunction), never in an approved class', () => {
  for (const messageClass of '12345678') {
    for (const code of ['Z9', '99', '', '000']) {
      const action = actionCode1993(code, messageClass);
      assert.equal(action, '909', `${messageClass} ${code}`);
    }
    // Only 00 is ever an approval, and only the accepted code of the class (x00).
    assert.match(actionCode1993('00', messageClass), /^[0-8]00$/);
    for (const code of ['05', '12', '13', '14', '25', '30', '41', '43', '51', '54', '55', '57', '61', '68', '91', '94', '96']) {
      assert.doesNotMatch(actionCode1993(code, messageClass), /^0/, `${messageClass} ${code}`);
    }
  }
});

test('pack – refuses bytes (a Buffer, a typed array) with a coded error naming the message, instead of reading indexes as fields', () => {
  const codec = createCodec('iso87ascii');
  // Short enough that every index reads as a field that packs (byte 0 as MTI 0048): nonsense sent without a word.
  const bytes = Buffer.from('0101', 'latin1');
  for (const input of [bytes, new Uint8Array(bytes), new DataView(new Uint8Array(bytes).buffer)]) {
    assert.throws(
      () => codec.pack(input as never),
      (err: unknown) => isIso8583Error(err) && err.code === 'ISO8583_ERR_INVALID_MESSAGE' && /message/.test(err.message),
    );
    assert.throws(() => pack(input as never), (err: unknown) => isIso8583Error(err) && err.code === 'ISO8583_ERR_INVALID_MESSAGE');
  }
});

test('action codes – the toolkit\'s own answers under smartvista carry its table\'s 9xx codes, never a 1987 code in 3 digits', () => {
  const smartvista = getDialect('smartvista');
  const own: Array<[string, string]> = [['91', '907'], ['68', '911'], ['94', '913'], ['30', '904'], ['96', '909']];
  for (const [code, expected] of own) {
    const written = responseCodeIn(smartvista, '0200', code);
    assert.equal(written, expected, code);
    // 091, 068, 030 would sit in the approval class (0xx) of a table of action codes; a 9xx is no approval in either reading.
    assert.equal(isApprovalClass(smartvista, written, '0210'), false, code);
    assert.equal(responseCodeIn(smartvista, '0400', code), expected, `${code} to a reversal`);
  }
  // Codes of the host's decisions keep the dialect's width: an approval 000, a decline 051 (packed so from 00, 51).
  assert.equal(responseCodeIn(smartvista, '0200', '00'), '00');
  assert.equal(responseCodeIn(smartvista, '0200', '51'), '51');
  // A dialect extending smartvista keeps its table; the standard dialects answer as before.
  assert.equal(responseCodeIn(dialectFromJson({ name: 'own', extends: 'smartvista', fields: {} }), '0200', '68'), '911');
  assert.equal(responseCodeIn(getDialect('iso87ascii'), '0200', '68'), '68');
  assert.equal(responseCodeIn(getDialect('iso93ascii'), '1200', '68'), '911');
});

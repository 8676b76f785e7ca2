/**
 * Why fromXml refuses a value's references (an unknown entity, a bare `&`, a character reference to a character XML
 * 1.0 does not allow), said with the field and without the value; and a field id with white space around its digits
 * refused as jPOS refuses it, by the one-pass scanner and the full parser alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, fromXml } from '../src/index.js';
import { scanIsoMessage } from '../src/views/xml-scan.js';

function problems(xml: string): unknown {
  try {
    fromXml(xml);
  } catch (err) {
    assert.ok(err instanceof Iso8583Error);
    assert.equal(err.code, 'ISO8583_ERR_INVALID_MESSAGE');
    assert.doesNotMatch(err.message, /4000/);
    return err.problems;
  }
  assert.fail(`fromXml accepted ${xml}`);
}

const REASONS: [string, string][] = [
  ['4000&#xD800;', 'a character reference to a character XML 1.0 does not allow'],
  ['4000&#0;', 'a character reference to a character XML 1.0 does not allow'],
  ['4000&#x110000;', 'a character reference to a character XML 1.0 does not allow'],
  // A reference that does not parse (too many digits, none) is one too (rv68g #2).
  ['4000&#99999999999;', 'a character reference to a character XML 1.0 does not allow'],
  ['4000&#;', 'a character reference to a character XML 1.0 does not allow'],
  ['4000&#x;', 'a character reference to a character XML 1.0 does not allow'],
  ['4000&nbsp;', 'an unknown entity'],
];

test('fromXml – a value refused for its references says which: forbidden character, unknown entity or bare &', () => {
  for (const [raw, reason] of REASONS) {
    const expected = [{ field: '48', code: 'ISO8583_ERR_XML', reason: `${reason} in the value` }];
    assert.deepEqual(problems(`<ISOMessage><data><field id="48">${raw}</field></data></ISOMessage>`), expected, raw);
    assert.deepEqual(problems(`<isomsg><field id="48" value="${raw}"/></isomsg>`), expected, raw);
    const tag = problems(`<ISOMessage><data><field id="55"><tag id="9F26">${raw}</tag></field></data></ISOMessage>`);
    assert.deepEqual(tag, [{ field: '55', code: 'ISO8583_ERR_XML', reason: `tag 9F26: ${reason}` }], raw);
  }
  // A bare & in element text is not well formed (the parser refuses the document); in an attribute it is the value's.
  const bare = problems('<isomsg><field id="48" value="4000 & 1"/></isomsg>');
  assert.deepEqual(bare, [{ field: '48', code: 'ISO8583_ERR_XML', reason: 'a bare & in the value' }]);
});

test('fromXml – a field id with white space around its digits is no field number (jPOS parseInt refuses it)', () => {
  for (const id of [' 2', '2 ', ' 2 ', '\t2', '&#32;2']) {
    const canonical = `<ISOMessage><data><field id="0">0200</field><field id="${id}">4000</field></data></ISOMessage>`;
    assert.equal(scanIsoMessage(canonical), undefined, id);
    const noId = { field: 'data/field[2]', code: 'ISO8583_ERR_FIELD_ID', reason: 'the id is not a field number' };
    assert.deepEqual(problems(canonical), [noId], id);
    const jpos = problems(`<isomsg><field id="0" value="0200"/><field id="${id}" value="4000"/></isomsg>`);
    assert.deepEqual(jpos, [{ ...noId, field: 'isomsg/field[2]' }], id);
    const composite = problems(`<isomsg><field id="0" value="0200"/><isomsg id="${id}"><field id="1" value="x"/></isomsg></isomsg>`);
    assert.deepEqual(composite, [{ ...noId, field: 'isomsg/isomsg[2]' }], id);
  }
  // The same document with the digits alone is read by both.
  const plain = '<ISOMessage><data><field id="0">0200</field><field id="2">4000</field></data></ISOMessage>';
  assert.deepEqual(scanIsoMessage(plain)?.message, { '0': '0200', '2': '4000' });
  assert.deepEqual(fromXml(plain).message, { '0': '0200', '2': '4000' });
});

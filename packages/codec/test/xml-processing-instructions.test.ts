/**
 * `fromXml` and processing instructions: a well-formed document is read whatever text a processing instruction holds
 * (a quote, `>`, a card number), the instruction dropped; one refused shows no card data and no parser text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error, fromXml, toXml } from '../src/index.js';

const PAN = '4111111111111111';

function data(fields: string): string {
  return `<ISOMessage><data><field id="0">0200</field>${fields}</data></ISOMessage>`;
}

test('fromXml – a processing instruction holding a quote, in a field or around the root, is dropped and the document read', () => {
  assert.deepEqual(fromXml(data(`<field id="48"><?note it's?>TEXT</field>`)).message, { 0: '0200', 48: 'TEXT' });
  assert.deepEqual(fromXml(data(`<field id="48"><?note say "hi?>TEXT</field><field id="11">000001</field>`)).message, { 0: '0200', 11: '000001', 48: 'TEXT' });
  assert.deepEqual(fromXml(data(`<field id="2">411111<?split it's?>1111111111</field>`)).message, { 0: '0200', 2: PAN });
  assert.deepEqual(fromXml(`<?xml version="1.0"?><?app it's?>${data('<field id="11">000001</field>')}<?end 'x?>`).message, { 0: '0200', 11: '000001' });
  const jpos = `<isomsg><?note O'BRIEN?><field id="0" value="0200"/><field id="2" value="${PAN}"/></isomsg>`;
  assert.deepEqual(fromXml(jpos).message, { 0: '0200', 2: PAN });
});

test('fromXml – a quote in one processing instruction does not swallow the fields up to the next one', () => {
  // The parser paired the quote of `it's` with the one in field 11 and read on to the `?>` of the last instruction:
  // fields 2 and 11 were dropped without a word, field 48 read empty.
  const xml = data(`<field id="48"><?note it's?>TEXT</field><field id="2">${PAN}</field><field id="11">O'BRIEN</field><?end?>`);
  assert.deepEqual(fromXml(xml).message, { 0: '0200', 2: PAN, 11: "O'BRIEN", 48: 'TEXT' });
  // As toXml writes the same message, with an instruction added: the same fields.
  const written = toXml({ 0: '0200', 2: PAN, 4: '000000001000', 11: "O'BRIEN" }).replace('<data>', "<data><?trace it's?>");
  assert.deepEqual(fromXml(written).message, { 0: '0200', 2: PAN, 4: '000000001000', 11: "O'BRIEN" });
});

test('fromXml – a malformed processing instruction is refused with a coded error that holds no card data', () => {
  // Both malformed PIs are refused by the validator before the parser runs. A document the validator passes and
  // the parser would not (elements nested past fast-xml-parser's limit, a PI and a PAN inside) is refused before the
  // parser runs too, as too deep.
  const deep = `<isomsg><field id="0" value="0200"/>${'<b>'.repeat(300)}<?note ${PAN}?>${PAN}${'</b>'.repeat(300)}</isomsg>`;
  assert.throws(() => fromXml(deep), (err: unknown) => err instanceof Iso8583Error && err.message.includes('deeper than 100 levels'));
  for (const xml of [data(`<field id="2"><?note ${PAN}</field>`), data(`<field id="2"><?note it's ${PAN}</field><field id="11">O'B</field>`), deep]) {
    let error: unknown;
    try {
      fromXml(xml);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof Iso8583Error, xml);
    assert.equal(error.code, 'ISO8583_ERR_XML');
    const text = `${error.message} ${JSON.stringify(error)} ${String((error.cause as Error | undefined)?.message)}`;
    assert.doesNotMatch(text, /411111|Pi Tag/, text);
  }
});

// maskXml reads a field's `id` and `value` attributes in any case and with any namespace prefix, as it reads element
// names (`<iso:field>`): `<field iso:id="52">` and `<field id="52" iso:value="..."/>` hold a PIN block, and were logged
// in clear from a sequence's logger (the attribute compared in lowercase only, its prefix kept). A namespace
// declaration (`xmlns:id`) is no `id`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDialect } from '@iso8583/codec';
import { maskXml } from '../src/xml-mask.js';

const dialect = resolveDialect('iso87ascii');
const PIN = 'A1B2C3D4E5F60718';
const PAN = '5413330000000434';

test('maskXml – an id or value attribute with a namespace prefix names and holds the field as without one', () => {
  for (const xml of [
    `<ISOMessage xmlns:iso="urn:x"><data><field iso:id="52">${PIN}</field></data></ISOMessage>`,
    `<ISOMessage xmlns:iso="urn:x"><data><field ISO:ID="52">${PIN}</field></data></ISOMessage>`,
    `<isomsg xmlns:iso="urn:x"><field id="52" iso:value="${PIN}"/></isomsg>`,
    `<isomsg xmlns:iso="urn:x"><field iso:id="52" iso:value="${PIN}"/></isomsg>`,
    `<isomsg xmlns:iso="urn:x"><field xmlns:id="urn:y" iso:id="52" iso:value="${PIN}"/></isomsg>`,
  ]) {
    const masked = maskXml(xml, dialect);
    assert.ok(!masked.includes(PIN) && !masked.includes(PIN.slice(0, 8)), `PIN block shown in ${masked}`);
  }
});

test('maskXml – a prefixed id in a jPOS sub-message names its fields (field 35 of the PAN\'s track masked)', () => {
  const xml = `<isomsg xmlns:iso="urn:x"><field iso:id="35" value="${PAN}=2512101123"/></isomsg>`;
  const masked = maskXml(xml, dialect);
  assert.ok(!masked.includes('2512101123') && !masked.includes(PAN), `track shown in ${masked}`);
});

test('maskXml – a field 11 with a prefixed id stays readable; a namespace declaration named xmlns:id names no field', () => {
  assert.ok(maskXml('<isomsg xmlns:iso="urn:x"><field iso:id="11" iso:value="000001"/></isomsg>', dialect).includes('000001'));
  const masked = maskXml(`<isomsg><field xmlns:id="52" id="11" value="000001"/></isomsg>`, dialect);
  assert.ok(masked.includes('value="000001"'), `field 11 starred as 52: ${masked}`);
});

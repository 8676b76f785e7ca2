// maskXml's <header>: every form XML lets a base64 or hex header take (references, line breaks, CDATA, comments, no
// padding, base64url) is read as its bytes, and the characters that write a card number's bytes are starred.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDialect, toXml } from '@iso8583/codec';
import { maskXml } from '../src/xml-mask.js';

const PAN = '5555555555554444';
const dialect = resolveDialect('iso87ascii');

/** The header element's content of `xml` (raw, up to its `</header>`). */
function headerOf(xml: string): string {
  return /<header>([\s\S]*?)<\/header>/.exec(xml)![1]!;
}

/** The header's characters as XML reads them (references decoded, CDATA read, comments dropped), whitespace dropped. */
function readHeader(content: string): string {
  return content
    .replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, '')
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&#x([0-9A-Fa-f]+);|&#([0-9]+);/g, (_m, hex?: string, dec?: string) => String.fromCodePoint(hex !== undefined ? parseInt(hex, 16) : Number(dec)))
    .replace(/\s/g, '');
}

/** No 7 digits of the PAN (its first 6 and last 4 may show, as maskHeader shows them) in what is left readable of `content`, read as base64 or hex, its stars read as zero bits. */
function assertNoPan(content: string, label: string): void {
  const read = readHeader(content);
  assert.match(content, /\*/, `${label}: nothing starred in ${content}`);
  for (const bytes of [Buffer.from(read.replace(/\*/g, 'A'), 'base64'), Buffer.from(read.replace(/\*/g, '0'), 'hex')]) {
    for (let i = 0; i + 7 <= PAN.length; i++) {
      const part = PAN.slice(i, i + 7);
      assert.ok(!bytes.toString('latin1').includes(part) && !bytes.toString('hex').includes(part), `${label}: ${part} readable in ${content}`);
    }
  }
}

/** An ISOMessage with `header` as its header element's content. */
function isoMessage(header: string): string {
  return `<ISOMessage><header>${header}</header><data><field id="0">0200</field><field id="11">000001</field></data></ISOMessage>`;
}

test('maskXml – a base64 <header> wrapped with line breaks written as references, or as text, shows no card number', () => {
  const b64 = Buffer.from(`HD${PAN}XY`).toString('base64');
  const lines = (sep: string): string => b64.match(/.{1,8}/g)!.join(sep);
  for (const sep of ['&#10;', '&#xA;', '&#13;&#10;', '\n', '\r\n  ', ' ', '&#9;']) {
    const masked = maskXml(isoMessage(lines(sep)), dialect);
    assertNoPan(headerOf(masked), JSON.stringify(sep));
    assert.match(masked, /<field id="11">000001<\/field>/);
  }
});

test('maskXml – an unpadded or base64url <header> shows no card number', () => {
  for (const bytes of [Buffer.from(`HD${PAN}X`), Buffer.from(`HD${PAN}XY`), Buffer.concat([Buffer.from([0xfb, 0xff, 0xbe]), Buffer.from(PAN)]),
    Buffer.concat([Buffer.from([0xfb, 0xff]), Buffer.from(`60${PAN}`, 'hex'), Buffer.from([0xfe])])]) {
    for (const written of [bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), `${bytes.toString('base64url')}==`.slice(0, Math.ceil(bytes.length / 3) * 4)]) {
      assertNoPan(headerOf(maskXml(isoMessage(written), dialect)), written);
    }
  }
});

test('maskXml – a <header> in CDATA, split by a comment or written with character references shows no card number', () => {
  const b64 = Buffer.from(`HD${PAN}`).toString('base64');
  const hex = Buffer.from(PAN).toString('hex');
  const forms = [
    `<![CDATA[${b64}]]>`,
    `<![CDATA[${b64.slice(0, 9)}]]>${b64.slice(9)}`,
    `${b64.slice(0, 10)}<!-- wrapped -->${b64.slice(10)}`,
    `${b64.slice(0, 10)}<?break?>${b64.slice(10)}`,
    [...b64].map((c) => `&#${c.charCodeAt(0)};`).join(''),
    [...b64].map((c, i) => (i % 2 === 0 ? `&#x${c.charCodeAt(0).toString(16)};` : c)).join(''),
    `<![CDATA[${hex}]]>`,
    hex.match(/.{1,8}/g)!.join('&#10;'),
  ];
  for (const form of forms) {
    const masked = maskXml(isoMessage(form), dialect);
    assertNoPan(headerOf(masked), form);
    assert.match(masked, /<data><field id="0">0200<\/field><field id="11">000001<\/field><\/data>/, form);
  }
  // jPOS and a composite field's hex header alike.
  const jpos = `<isomsg><header><![CDATA[A1${PAN}FF]]></header><field id="0" value="0200"/>` +
    `<isomsg id="127"><header>${hex.slice(0, 12)}&#10;${hex.slice(12)}</header></isomsg></isomsg>`;
  const masked = maskXml(jpos, dialect);
  assert.doesNotMatch(masked, /555555|353535353535/, masked);
  assert.match(masked, /<field id="0" value="0200"\/>/);
});

test('maskXml – a <header> with no card number is kept as written, whatever its form', () => {
  for (const header of [Buffer.from('6000010000', 'hex'), Buffer.from('ISO026000050')]) {
    const b64 = header.toString('base64');
    for (const form of [b64, b64.replace(/=+$/, ''), `<![CDATA[${b64}]]>`, `${b64.slice(0, 4)}&#10;${b64.slice(4)}`]) {
      const xml = isoMessage(form);
      assert.equal(maskXml(xml, dialect), xml, form);
    }
  }
  for (const xml of [toXml({ 0: '0800' }, { header: Buffer.from('6000010000', 'hex') }), isoMessage('6000010000'), isoMessage('60000&#10;10000')]) {
    assert.equal(maskXml(xml, dialect), xml);
  }
});

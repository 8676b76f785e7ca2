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

/**
 * `form` (`plain` with some characters written as character references) masked as `plain` is masked, position by
 * position: each character of `plain` that the mask stars is starred whole in `masked` (all of its reference), every
 * other one written as it was. A starred reference shifts a base64 decode, so assertNoPan alone cannot see a partial mask.
 */
function assertStarredAsPlain(form: string, masked: string, plain: string): void {
  const plainMasked = headerOf(maskXml(isoMessage(plain), dialect));
  const spans = [...form.matchAll(/&#[xX]?[0-9A-Fa-f]+;|[\s\S]/g)].map((m) => [m.index, m.index + m[0].length] as const);
  assert.equal(spans.length, plain.length, form);
  assert.equal(masked.length, form.length, `${form}: ${masked}`);
  spans.forEach(([start, end], k) => {
    const shown = masked.slice(start, end);
    const expected = plainMasked[k] === '*' ? '*'.repeat(end - start) : form.slice(start, end);
    assert.equal(shown, expected, `${form}: position ${k} (${form.slice(start, end)}) shown as ${shown} in ${masked}`);
  });
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
    if (form.includes('&#') && !form.includes('<') && !form.startsWith(hex.slice(0, 4))) assertStarredAsPlain(form, headerOf(masked), b64);
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

test('maskXml – a <header> written with character references with leading zeros is read, each reference starred whole', () => {
  const b64 = Buffer.from(`HD${PAN}XY`).toString('base64');
  const forms = [
    `${b64.slice(0, 5)}&#x0000${b64.charCodeAt(5).toString(16)};${b64.slice(6)}`,
    `${b64.slice(0, 5)}&#0000000${b64.charCodeAt(5)};${b64.slice(6)}`,
    [...b64].map((c, i) => (i % 2 === 0 ? `&#x000${c.charCodeAt(0).toString(16)};` : `&#00${c.charCodeAt(0)};`)).join(''),
  ];
  for (const form of forms) {
    const masked = headerOf(maskXml(isoMessage(form), dialect));
    assertNoPan(masked, form);
    assertStarredAsPlain(form, masked, b64);
  }
});

test('maskXml – a <header> with an "&" that names no character has every base64 character starred', () => {
  const b64 = Buffer.from(`HD${PAN}XY`).toString('base64');
  for (const odd of ['&bogus;', '&#;', '&#x110000;', '& ']) {
    const masked = headerOf(maskXml(isoMessage(`${b64.slice(0, 6)}${odd}${b64.slice(6)}`), dialect));
    assert.doesNotMatch(masked.replace(odd.replace(/[^&;# ]/g, '*'), ''), /[A-Za-z0-9+/]/, `${odd}: ${masked}`);
  }
  // The name of such a reference is starred too (a lenient base64 decoder reads its letters: `&NDEx...;` is base64 of
  // digits), its `&` and `;` kept: `&*****;`, as malformed as the reference was, and no character of it shown.
  const named = Buffer.from(PAN).toString('base64').replace(/=+$/, '');
  assert.equal(headerOf(maskXml(isoMessage(`&${named};`), dialect)), `&${'*'.repeat(named.length)};`);
  assert.equal(headerOf(maskXml(isoMessage('6000010000&bogus;'), dialect)), '**********&*****;');
});

/** No 7 digits of the PAN readable in `content` as a lenient base64 decoder reads it (junk dropped, `=` blocks each alone or joined), stars as zero bits. */
function assertNoPanLenient(content: string, label: string): void {
  const read = readHeader(content.replace(/<[^>]*>/g, '')).replace(/\*/g, 'A');
  const blocks = read.split(/=+/).map((b) => b.replace(/[^A-Za-z0-9+/_-]/g, ''));
  const readings = [...blocks.map((b) => Buffer.from(b, 'base64')), Buffer.concat(blocks.map((b) => Buffer.from(b, 'base64'))),
    Buffer.from(blocks.join(''), 'base64')];
  for (const bytes of readings) {
    for (let i = 0; i + 7 <= PAN.length; i++) {
      assert.ok(!bytes.toString('latin1').includes(PAN.slice(i, i + 7)), `${label}: ${PAN.slice(i, i + 7)} readable in ${content}`);
    }
  }
}

test('maskXml – base64 a lenient decoder reads (junk, a ".", padded blocks, a child element) shows no card number', () => {
  const b64 = Buffer.from(`HD${PAN}XY`).toString('base64');
  const forms = [
    `${b64}A`, `${b64}!`, `${b64.slice(0, 9)}.${b64.slice(9)}`, `${b64.slice(0, 9)}.${b64.slice(9, 13)}..${b64.slice(13)}`,
    `${Buffer.from('HD').toString('base64')}\n${Buffer.from(`${PAN}X`).toString('base64')}`,
    `${Buffer.from('H').toString('base64')}${Buffer.from(`${PAN}XY`).toString('base64')}`,
    `<x/>${b64}`, `${b64.slice(0, 8)}<br/>${b64.slice(8)}`, `<x a="1">${b64}</x>`,
  ];
  for (const form of forms) {
    const xml = isoMessage(form);
    const masked = maskXml(xml, dialect);
    assertNoPanLenient(masked.slice(masked.indexOf('<header>') + 8, masked.indexOf('<data>')), form);
    assert.match(masked, /<data><field id="0">0200<\/field><field id="11">000001<\/field><\/data>/, form);
  }
  // A header left unclosed ends at a field's tag: the field is still masked by its own rule.
  const masked = maskXml(`<ISOMessage><header>${b64}<x/><data><field id="2">${PAN}</field></data></ISOMessage>`, dialect);
  assert.match(masked, /<field id="2">555555\*{6}4444<\/field>/, masked);
});

test('maskXml – a hex <header> with its bytes apart (`:`, `-`, `, `, `0x`, `\\x`) is read as its bytes, BCD and EBCDIC', () => {
  const bcd = PAN.match(/../g)!;
  const ebcdic = Buffer.from([...PAN].map((d) => 0xf0 + Number(d))).toString('hex').toUpperCase().match(/../g)!;
  const hidden = (sep: string, prefix = ''): string => bcd.map(() => `${prefix}**`).join(sep);
  for (const [sep, prefix] of [[':', ''], ['-', ''], [', ', ''], [',', ''], ['/', ''], [' ', '0x'], [',', '0X'], ['', '\\x'], ['.', '']] as const) {
    const content = bcd.map((b) => prefix + b).join(sep);
    assert.equal(headerOf(maskXml(isoMessage(content), dialect)), hidden(sep, prefix), content);
  }
  // A length or tag byte before the number, a byte after it, groups of two bytes, and a jPOS dump's header.
  assert.equal(headerOf(maskXml(isoMessage(`16:${bcd.join(':')}:FF`), dialect)), `**:${hidden(':')}:FF`);
  assert.equal(headerOf(maskXml(isoMessage(PAN.match(/..../g)!.join(':')), dialect)), '****:****:****:****');
  const jpos = `<isomsg><header>${bcd.join(':')}</header><field id="0" value="0200"/></isomsg>`;
  assert.equal(maskXml(jpos, dialect), `<isomsg><header>${hidden(':')}</header><field id="0" value="0200"/></isomsg>`);
  // EBCDIC digits apart: the number they spell is hidden as the codec hides it.
  const masked = headerOf(maskXml(isoMessage(ebcdic.join('-')), dialect));
  assert.equal(masked, [...ebcdic.slice(0, 6), ...Array<string>(6).fill('**'), ...ebcdic.slice(12)].join('-'));
  // No card number: kept as written.
  for (const content of ['60:00:01:00:00', '0x60 0x00 0x01', 'AA-BB-CC-DD', '01:02']) {
    assert.equal(maskXml(isoMessage(content), dialect), isoMessage(content), content);
  }
});

/**
 * The 1993 built-in dialects against the jPOS 1993 packagers (ISO93APackager / iso93ascii.xml and ISO93BPackager /
 * iso93binary.xml), field by field: the class and length of every jPOS field, written as a GenericPackager file and
 * read by our own jPOS import, must give the same wire format as `iso93ascii` / `iso93binary`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromJson, dialectFromPackagerXml, dialectVersion, getDialect, inVersion } from '../src/index.js';
import type { Dialect } from '../src/index.js';

/**
 * The jPOS 1993 ASCII layout: `first-last class length`. The binary layout is the same with IFB_ for IFA_ and
 * every BCD numeric `pad="false"`.
 */
const JPOS_93_ASCII = `
0 IFA_NUMERIC 4|2 IFA_LLNUM 19|3 IFA_NUMERIC 6|4-6 IFA_NUMERIC 12|7 IFA_NUMERIC 10|8-10 IFA_NUMERIC 8|11 IFA_NUMERIC 6
12 IFA_NUMERIC 12|13-14 IFA_NUMERIC 4|15 IFA_NUMERIC 6|16-18 IFA_NUMERIC 4|19-21 IFA_NUMERIC 3|22 IF_CHAR 12
23-24 IFA_NUMERIC 3|25-26 IFA_NUMERIC 4|27 IFA_NUMERIC 1|28 IFA_NUMERIC 6|29 IFA_NUMERIC 3|30 IFA_NUMERIC 24
31 IFA_LLCHAR 99|32-33 IFA_LLNUM 11|34 IFA_LLCHAR 28|35 IFA_LLCHAR 37|36 IFA_LLLCHAR 104|37 IF_CHAR 12|38 IF_CHAR 6
39-40 IFA_NUMERIC 3|41 IF_CHAR 8|42 IF_CHAR 15|43-44 IFA_LLCHAR 99|45 IFA_LLCHAR 76|46 IFA_LLLCHAR 204
47-48 IFA_LLLCHAR 999|49-51 IF_CHAR 3|52 IFA_BINARY 8|53 IFA_LLBINARY 48|54 IFA_LLLCHAR 120|55 IFA_LLLBINARY 255
56 IFA_LLNUM 35|57 IFA_NUMERIC 3|58 IFA_LLNUM 11|59-63 IFA_LLLCHAR 999|64-65 IFA_BINARY 8|66 IFA_LLLCHAR 204
67 IFA_NUMERIC 2|68-70 IFA_NUMERIC 3|71 IFA_NUMERIC 8|72 IFA_LLLCHAR 999|73 IFA_NUMERIC 6|74-85 IFA_NUMERIC 10
86-89 IFA_NUMERIC 16|90 IFA_NUMERIC 10|91-92 IFA_NUMERIC 3|93-94 IFA_LLNUM 11|95 IFA_LLCHAR 99|96 IFA_LLLBINARY 999
97 IFA_AMOUNT 17|98 IF_CHAR 25|99 IFA_LLCHAR 11|100 IFA_LLNUM 11|101 IFA_LLCHAR 17|102-103 IFA_LLCHAR 28
104 IFA_LLLCHAR 100|105-106 IFA_NUMERIC 16|107-108 IFA_NUMERIC 10|109-110 IFA_LLCHAR 84|111-127 IFA_LLLCHAR 999
128 IFA_BINARY 8`;

/** The layout above as a GenericPackager file; `binary` swaps IFA_ for IFB_ (pad="false"). */
function packagerXml(binary: boolean): string {
  const lines: string[] = [];
  for (const row of JPOS_93_ASCII.trim().split(/[|\n]/)) {
    const [range, cls, length] = row.trim().split(' ') as [string, string, string];
    const [first, last] = range.split('-').map(Number) as [number, number | undefined];
    const name = binary ? cls.replace('IFA_', 'IFB_') : cls;
    for (let id = first; id <= (last ?? first); id++) {
      lines.push(`<isofield id="${id}" length="${length}" name="F${id}" pad="false" class="org.jpos.iso.${name}"/>`);
    }
  }
  const bitmap = binary ? 'IFB_BITMAP' : 'IFA_BITMAP';
  lines.splice(1, 0, `<isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.${bitmap}"/>`);
  return `<isopackager>\n${lines.join('\n')}\n</isopackager>`;
}

function compare(ours: Dialect, jpos: Dialect): void {
  assert.equal(ours.mti.encoding, jpos.mti.encoding, 'MTI');
  assert.equal(ours.bitmap.encoding, jpos.bitmap.encoding, 'bitmap');
  assert.deepEqual(Object.keys(ours.fields).sort(), Object.keys(jpos.fields).sort());
  for (const [id, want] of Object.entries(jpos.fields)) {
    const got = ours.fields[id]!;
    const wire = (s: typeof got) => ({
      encoding: s.encoding, length: s.length, prefix: s.prefix, justify: s.encoding === 'bcd' ? (s.justify ?? 'right') : undefined,
    });
    assert.deepEqual(wire(got), wire(want), `${ours.name} field ${id}`);
  }
}

test('builtin 1993 – iso93ascii has the wire format of jPOS ISO93APackager (iso93ascii.xml), field by field', () => {
  compare(getDialect('iso93ascii'), dialectFromPackagerXml(packagerXml(false), 'jpos93a'));
});

test('builtin 1993 – iso93binary has the wire format of jPOS ISO93BPackager (iso93binary.xml), field by field', () => {
  compare(getDialect('iso93binary'), dialectFromPackagerXml(packagerXml(true), 'jpos93b'));
});

test('builtin 1993 – the dialects say version 1993 and carry the 1993 names; 1987 dialects default to 1987', () => {
  for (const name of ['iso93ascii', 'iso93binary']) {
    const d = getDialect(name);
    assert.equal(dialectVersion(d), '1993');
    assert.equal(d.fields['24']!.name, 'FUNCTION CODE');
    assert.equal(d.fields['39']!.name, 'ACTION CODE');
    assert.equal(d.fields['56']!.name, 'ORIGINAL DATA ELEMENTS');
    assert.equal(d.fields['2']!.sensitive, 'pan');
    assert.equal(d.fields['35']!.sensitive, 'track');
    assert.equal(d.fields['55']!.sensitive, 'emv');
  }
  assert.equal(dialectVersion(getDialect('iso87ascii')), '1987');
  assert.equal(inVersion('0420', '1993'), '1420');
  assert.equal(inVersion('1804', '1987'), '0804');
});

test('builtin 1993 – a 1200 purchase and a 1420 reversal round trip in both layouts', () => {
  const purchase = {
    '0': '1200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000123', '12': '261130193000',
    '22': '510101511001', '24': '200', '35': '4111111111111111=2812101', '41': 'TERM0001', '49': '840',
  };
  const reversal = { '0': '1420', '11': '000124', '24': '400', '39': '000', '56': '1200000123261130193000063456789' };
  for (const name of ['iso93ascii', 'iso93binary']) {
    const codec = createCodec(name);
    for (const message of [purchase, reversal]) assert.deepEqual(codec.unpack(codec.pack(message)), message, name);
  }
});

test('builtin 1993 – iso93binary: MTI in BCD, a 3-digit function code left-justified (80 10), track 2 as characters', () => {
  const codec = createCodec('iso93binary');
  const image = codec.pack({ '0': '1804', '11': '000001', '24': '801' });
  // MTI 18 04, bitmap 8 bytes (bit 1 clear: no secondary; 11 and 24), STAN 00 00 01, function code 80 10.
  assert.equal(image.toString('hex'), '1804' + '0020010000000000' + '000001' + '8010');
  const track = codec.pack({ '0': '1100', '35': '4111111111111111=2812' });
  assert.ok(track.includes(Buffer.from('\x214111111111111111=2812', 'latin1')), 'BCD length 21 then ASCII characters');
});

test('builtin 1993 – iso93ascii: variable binary fields travel raw after an ASCII length (IFA_LLLBINARY 55)', () => {
  const codec = createCodec('iso93ascii');
  const image = codec.pack({ '0': '1100', '55': '9F2701809F360200A1' });
  assert.ok(image.toString('latin1').endsWith('009' + Buffer.from('9F2701809F360200A1', 'hex').toString('latin1')));
});

test('dialect file – version is inherited from the extended dialect, can be set, and a bad value is named', () => {
  assert.equal(dialectFromJson({ name: 'x', extends: 'iso93ascii', fields: {} }).version, '1993');
  assert.equal(dialectFromJson({ name: 'x', extends: 'iso87ascii', version: '1993', fields: {} }).version, '1993');
  assert.equal(dialectFromJson({ name: 'x', extends: 'iso87ascii', fields: {} }).version, undefined);
  assert.throws(
    () => dialectFromJson({ name: 'x', extends: 'iso87ascii', version: '2003', fields: {} }),
    (err: { code?: string; message?: string }) => err.code === 'ISO8583_ERR_DIALECT_INVALID' && /version/.test(String(err.message)),
  );
});

/**
 * EBCDIC code pages: 1047 (jPOS's, plain `ebcdic`) and 037, selectable by name. Both tables map the 256 bytes one to
 * one onto Latin-1, differ exactly where IBM's tables do, agree with Java's charsets (what jPOS packs with), and round
 * trip any Latin-1 text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec, dialectFromJson } from '../src/index.js';
import type { Dialect, FieldSpec, ValueEncoding } from '../src/index.js';
import { IBM_037, IBM_1047, ebcdicCodePage, readEbcdic, writeEbcdic } from '../src/encoding/ebcdic.js';
import { fieldHex, oneFieldCodec, readFieldHex } from './field-support.js';

const CODE_PAGES = [IBM_037, IBM_1047];

/** Every Latin-1 character, U+0000 to U+00FF. */
const ALL_LATIN1 = String.fromCharCode(...Array.from({ length: 256 }, (_, c) => c));

/** The characters where the code pages differ, and their bytes in each (IBM CCSID 37 and 1047; LF/NEL as Java). */
const DIFFERENCES = [
  { char: '^', cp1047: 0x5f, cp037: 0xb0 },
  { char: '¬', cp1047: 0xb0, cp037: 0x5f },
  { char: '[', cp1047: 0xad, cp037: 0xba },
  { char: 'Ý', cp1047: 0xba, cp037: 0xad },
  { char: ']', cp1047: 0xbd, cp037: 0xbb },
  { char: '¨', cp1047: 0xbb, cp037: 0xbd },
  { char: '\n', cp1047: 0x15, cp037: 0x25 },
  { char: '\u0085', cp1047: 0x25, cp037: 0x15 },
];

for (const page of CODE_PAGES) {
  test(`ebcdic – ${page.name} maps the 256 bytes one to one, and its two tables are inverses`, () => {
    assert.equal(new Set(page.toLatin1).size, 256);
    assert.equal(new Set(page.fromLatin1).size, 256);
    for (let b = 0; b < 256; b++) assert.equal(page.fromLatin1[page.toLatin1[b]!], b, `byte ${b.toString(16)}`);
  });
}

test('ebcdic – 1047 differs from 037 in exactly eight bytes: ^ ¬ [ Ý ] ¨ LF NEL', () => {
  const differing: number[] = [];
  for (let b = 0; b < 256; b++) if (IBM_037.toLatin1[b] !== IBM_1047.toLatin1[b]) differing.push(b);
  assert.deepEqual(differing, DIFFERENCES.map((d) => d.cp1047).sort((x, y) => x - y));
  for (const d of DIFFERENCES) {
    const c = d.char.charCodeAt(0);
    assert.equal(IBM_1047.fromLatin1[c], d.cp1047, `${JSON.stringify(d.char)} in 1047`);
    assert.equal(IBM_037.fromLatin1[c], d.cp037, `${JSON.stringify(d.char)} in 037`);
  }
});

/** Java's decode of the 256 bytes in each charset, as hex of the Latin-1 codes; `undefined` without a JDK. */
function javaTables(charsets: string[]): Map<string, string> | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ebcdic-java-'));
  try {
    const source = join(dir, 'Tables.java');
    writeFileSync(
      source,
      `public class Tables {
  public static void main(String[] args) {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) all[i] = (byte) i;
    for (String name : args) {
      String s = new String(all, java.nio.charset.Charset.forName(name));
      StringBuilder hex = new StringBuilder(name).append(' ');
      for (int i = 0; i < s.length(); i++) hex.append(String.format("%02x", (int) s.charAt(i)));
      System.out.println(hex);
    }
  }
}
`,
    );
    const run = spawnSync('java', [source, ...charsets], { encoding: 'utf8', timeout: 60_000 });
    if (run.error !== undefined || run.status !== 0) return undefined;
    return new Map(run.stdout.trim().split('\n').map((line) => line.split(' ') as [string, string]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("ebcdic – the tables agree with Java's IBM1047 (jPOS ISOUtil.EBCDIC) and IBM037 charsets", (t) => {
  const java = javaTables(['IBM1047', 'IBM037']);
  if (java === undefined) {
    t.skip('no JDK (java) on the PATH to compare with');
    return;
  }
  assert.equal(java.get('IBM1047'), Buffer.from(IBM_1047.toLatin1).toString('hex'));
  // Java's IBM037 reads X'15' as LF as well as X'25' (it cannot round trip NEL); IBM's table, which this codec
  // follows, has NEL at X'15'. Every other byte agrees.
  const java037 = Buffer.from(java.get('IBM037') ?? '', 'hex');
  assert.equal(java037.length, 256);
  for (let b = 0; b < 256; b++) if (b !== 0x15) assert.equal(java037[b], IBM_037.toLatin1[b], `byte ${b.toString(16)}`);
  assert.equal(java037[0x15], 0x0a);
  assert.equal(IBM_037.toLatin1[0x15], 0x85);
});

test('ebcdic – the encoding names: plain ebcdic is 1047, ebcdic-1047 and ebcdic-037 by name, nothing else', () => {
  assert.equal(ebcdicCodePage('ebcdic'), IBM_1047);
  assert.equal(ebcdicCodePage('ebcdic-1047'), IBM_1047);
  assert.equal(ebcdicCodePage('ebcdic-037'), IBM_037);
  for (const other of ['ebcdic-500', 'ebcdic-hex', 'ascii', 'EBCDIC', 'ebcdic-37']) assert.equal(ebcdicCodePage(other), undefined, other);
});

const TEXT = 'A^B[C]D¬EÝF¨G';
const WIRE = [
  { encoding: 'ebcdic', wire: 'C15FC2ADC3BDC4B0C5BAC6BBC7' },
  { encoding: 'ebcdic-1047', wire: 'C15FC2ADC3BDC4B0C5BAC6BBC7' },
  { encoding: 'ebcdic-037', wire: 'C1B0C2BAC3BBC45FC5ADC6BDC7' },
] as const;

for (const row of WIRE) {
  test(`ebcdic – encoding ${row.encoding}: ^ [ ] ¬ Ý ¨ travel as its bytes and read back`, () => {
    const codec = oneFieldCodec({ type: 'ans', length: TEXT.length, encoding: row.encoding });
    assert.equal(fieldHex(codec, TEXT), row.wire);
    assert.equal(readFieldHex(codec, row.wire), TEXT);
  });
}

test('ebcdic – LF and NEL (lenient mode: control characters are not ans)', () => {
  for (const [encoding, wire] of [
    ['ebcdic', 'C11525C2'],
    ['ebcdic-037', 'C12515C2'],
  ] as const) {
    const codec = oneFieldCodec({ type: 'ans', length: 4, encoding }, { lenient: true });
    assert.equal(fieldHex(codec, 'A\n\u0085B'), wire, encoding);
    assert.equal(readFieldHex(codec, wire), 'A\n\u0085B', encoding);
  }
});

/** A dialect with EBCDIC MTI, bitmap, prefixes, an amount and text fields in `encoding`. */
function dialectIn(encoding: ValueEncoding): Dialect {
  const text = (length: number, digits?: number): FieldSpec => ({
    name: 'TEXT',
    type: 'ans',
    length,
    encoding,
    ...(digits === undefined ? {} : { prefix: { encoding: 'ebcdic', digits } }),
  });
  return {
    name: `text-${encoding}`,
    mti: { encoding: 'ebcdic' },
    bitmap: { encoding: 'ebcdic' },
    fields: {
      '2': { name: 'PAN', type: 'n', length: 19, encoding: 'ebcdic', prefix: { encoding: 'ebcdic', digits: 2 }, sensitive: 'pan' },
      '4': { name: 'AMOUNT', type: 'xn', length: 9, encoding: encoding },
      '41': text(8),
      '43': text(40, 2),
      '52': { name: 'PIN', type: 'b', length: 8, encoding: 'ebcdic-hex', sensitive: 'pin' },
    },
  };
}

test('ebcdic – digits, letters, signs, prefixes, MTI and EBCDIC bitmap are the same bytes in both code pages', () => {
  const message = { '0': '0200', '2': '4111111111111111', '4': 'D00001000', '41': 'TERM0001', '43': 'ACME STORE 42, MAIN ST. +1-555/0100=OK', '52': '0123456789ABCDEF' };
  const images = (['ebcdic', 'ebcdic-1047', 'ebcdic-037'] as const).map((e) => createCodec(dialectIn(e)).pack(message));
  assert.deepEqual(images[1], images[0]);
  assert.deepEqual(images[2], images[0]);
});

test('ebcdic – property: any Latin-1 text round trips through each code page (pack then unpack)', () => {
  const codecs = (['ebcdic', 'ebcdic-1047', 'ebcdic-037'] as const).map((e) => createCodec(dialectIn(e), { lenient: true }));
  const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
  fc.assert(
    fc.property(latin1, fc.string({ unit: fc.constantFrom(...ALL_LATIN1.split('')), minLength: 8, maxLength: 8 }), (text, terminal) => {
      for (const codec of codecs) {
        const message = { '0': '0200', '41': terminal, '43': text };
        assert.deepEqual(codec.unpack(codec.pack(message)), message);
      }
    }),
    propertyRuns(300),
  );
});

test('ebcdic – property: any bytes decode to Latin-1 and encode back to the same bytes in each code page', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      for (const page of CODE_PAGES) {
        const text = readEbcdic(bytes, 0, bytes.length, page.toLatin1);
        assert.equal(text.length, bytes.length);
        const back = new Uint8Array(bytes.length);
        assert.equal(writeEbcdic(back, 0, text, page.fromLatin1), bytes.length);
        assert.deepEqual(back, bytes);
      }
    }),
    propertyRuns(500),
  );
});

test('ebcdic – short, long and very long values decode alike (every length from 0 to 40, and 5000 bytes)', () => {
  const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7 + 3) & 0xff);
  for (const page of CODE_PAGES) {
    const expected = String.fromCharCode(...Array.from(bytes, (b) => page.toLatin1[b]!));
    for (let n = 0; n <= 40; n++) assert.equal(readEbcdic(bytes, 5, n, page.toLatin1), expected.slice(5, 5 + n), `${page.name} ${n}`);
    assert.equal(readEbcdic(bytes, 0, 5000, page.toLatin1), expected);
    // The scratch buffer of one read does not leak into the next.
    assert.equal(readEbcdic(bytes, 1, 20, page.toLatin1), expected.slice(1, 21));
  }
});

test('ebcdic – every Latin-1 character round trips, each code page using all 256 bytes', () => {
  for (const encoding of ['ebcdic', 'ebcdic-037'] as const) {
    const codec = oneFieldCodec({ type: 'ans', length: 256, encoding }, { lenient: true });
    const wire = Buffer.from(fieldHex(codec, ALL_LATIN1), 'hex');
    assert.equal(new Set(wire).size, 256, encoding);
    assert.equal(readFieldHex(codec, wire.toString('hex')), ALL_LATIN1, encoding);
  }
});

test('ebcdic – a character above U+00FF cannot travel in either code page', () => {
  for (const encoding of ['ebcdic-1047', 'ebcdic-037'] as const) {
    const codec = oneFieldCodec({ type: 'ans', length: 3, encoding }, { lenient: true });
    assert.throws(() => codec.pack({ '0': '0200', '2': 'A€B' }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
    assert.deepEqual(
      codec.validate({ '0': '0200', '2': 'A€B' }).map((p) => [p.field, p.code]),
      [['2', 'ISO8583_ERR_FIELD_TYPE']],
    );
  }
});

test('ebcdic – a JSON dialect selects a code page by name; an unknown one is refused naming the field', () => {
  const json = (encoding: string): unknown => ({ name: 'cp', extends: 'iso87binary', fields: { '43': { encoding } } });
  assert.equal(dialectFromJson(json('ebcdic-037')).fields['43']?.encoding, 'ebcdic-037');
  assert.equal(dialectFromJson(json('ebcdic-1047')).fields['43']?.encoding, 'ebcdic-1047');
  assert.throws(() => dialectFromJson(json('ebcdic-500')), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_DIALECT_INVALID');
    assert.match(err.message, /43/);
    return true;
  });
  // A dialect object made in code is checked by createCodec the same way.
  const made = dialectIn('ebcdic');
  const bad = { ...made, fields: { ...made.fields, '43': { ...made.fields['43']!, encoding: 'ebcdic-500' as ValueEncoding } } };
  assert.throws(() => createCodec(bad), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_DIALECT_INVALID');
    assert.match(err.message, /fields\.43\.encoding \(must be ascii, ebcdic, ebcdic-1047, ebcdic-037,/);
    return true;
  });
});

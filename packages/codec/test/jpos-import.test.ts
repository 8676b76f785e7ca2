import { test } from 'node:test';
import assert from 'node:assert/strict';
import { propertyRuns, readVector } from '@iso8583/test-support';
import fc from 'fast-check';
import { createCodec, dialectFromPackagerXml, getDialect, isIso8583Error } from '../src/index.js';
import type { Dialect, FieldSpec } from '../src/index.js';

const PACKAGERS = [
  'jpos/packagers/iso87ascii.xml',
  'jpos/packagers/iso87binary.xml',
  'jpos/packagers/iso87ascii-binary-bitmap.xml',
  'jpos/packagers/iso93ebcdic-custom.xml',
  'jpos/packagers/postpack.xml',
  'wso2/jposdef.xml',
];

function packager(relative: string): string {
  return readVector(relative).toString('utf8');
}

/** A packager document with an ASCII MTI, a hex bitmap and the given field elements. */
function packagerWith(fields: string, rootAttributes = ''): string {
  return `<?xml version="1.0"?>
<isopackager ${rootAttributes}>
  <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFA_BITMAP"/>
  ${fields}
</isopackager>`;
}

function field(d: Dialect, key: string): FieldSpec {
  const f = d.fields[key];
  assert.ok(f !== undefined, `field ${key} is defined`);
  return f;
}

function throwsCoded(fn: () => unknown, code: string): Error & { code: string; field?: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(isIso8583Error(err), 'an Iso8583Error');
    assert.equal(err.code, code);
    return err as Error & { code: string; field?: string };
  }
  assert.fail(`expected ${code}`);
}

// --- Class by class: each jPOS class gives the wire format it has in jPOS. ---

const CLASS_CASES: { cls: string; length: number; pad?: boolean; expect: Omit<FieldSpec, 'name'> }[] = [
  { cls: 'IFA_NUMERIC', length: 6, expect: { type: 'n', length: 6, encoding: 'ascii' } },
  { cls: 'IFE_NUMERIC', length: 6, expect: { type: 'n', length: 6, encoding: 'ebcdic' } },
  // pad="true": BCDInterpreter.LEFT_PADDED, the digits are right-justified (pad nibble in front).
  { cls: 'IFB_NUMERIC', length: 3, pad: true, expect: { type: 'n', length: 3, encoding: 'bcd', justify: 'right' } },
  // no pad attribute = pad false: RIGHT_PADDED, the digits are left-justified (pad nibble after them).
  { cls: 'IFB_NUMERIC', length: 3, expect: { type: 'n', length: 3, encoding: 'bcd', justify: 'left' } },
  { cls: 'IFA_LLNUM', length: 11, expect: { type: 'n', length: 11, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } } },
  { cls: 'IFE_LLNUM', length: 11, expect: { type: 'n', length: 11, encoding: 'ebcdic', prefix: { encoding: 'ebcdic', digits: 2 } } },
  {
    cls: 'IFB_LLNUM', length: 19, pad: false,
    expect: { type: 'n', length: 19, encoding: 'bcd', prefix: { encoding: 'bcd', digits: 2 }, justify: 'left' },
  },
  { cls: 'IFA_AMOUNT', length: 9, expect: { type: 'xn', length: 9, encoding: 'ascii' } },
  { cls: 'IFE_AMOUNT', length: 17, expect: { type: 'xn', length: 17, encoding: 'ebcdic' } },
  {
    cls: 'IFB_AMOUNT', length: 9, pad: true,
    expect: { type: 'xn', length: 9, encoding: 'bcd', justify: 'right', signEncoding: 'ascii' },
  },
  { cls: 'IFA_BINARY', length: 8, expect: { type: 'b', length: 8, encoding: 'hex' } },
  { cls: 'IFE_BINARY', length: 8, expect: { type: 'b', length: 8, encoding: 'ebcdic-hex' } },
  { cls: 'IFB_BINARY', length: 8, expect: { type: 'b', length: 8, encoding: 'binary' } },
  { cls: 'IF_CHAR', length: 8, expect: { type: 'ans', length: 8, encoding: 'ascii' } },
  { cls: 'IFE_CHAR', length: 8, expect: { type: 'ans', length: 8, encoding: 'ebcdic' } },
  { cls: 'IFA_LLCHAR', length: 99, expect: { type: 'ans', length: 99, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } } },
  { cls: 'IFA_LLLCHAR', length: 999, expect: { type: 'ans', length: 999, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 3 } } },
  { cls: 'IFA_LLLLCHAR', length: 8000, expect: { type: 'ans', length: 8000, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 4 } } },
  { cls: 'IFA_LLLLLCHAR', length: 99999, expect: { type: 'ans', length: 99999, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 5 } } },
  {
    cls: 'IFA_LLLLLLBINARY', length: 999999,
    expect: { type: 'b', length: 999999, encoding: 'binary', prefix: { encoding: 'ascii', digits: 6 } },
  },
  { cls: 'IFE_LLCHAR', length: 99, expect: { type: 'ans', length: 99, encoding: 'ebcdic', prefix: { encoding: 'ebcdic', digits: 2 } } },
  { cls: 'IFE_LLLCHAR', length: 999, expect: { type: 'ans', length: 999, encoding: 'ebcdic', prefix: { encoding: 'ebcdic', digits: 3 } } },
  { cls: 'IFE_LLBINARY', length: 48, expect: { type: 'b', length: 48, encoding: 'binary', prefix: { encoding: 'ebcdic', digits: 2 } } },
  { cls: 'IFE_LLLBINARY', length: 999, expect: { type: 'b', length: 999, encoding: 'binary', prefix: { encoding: 'ebcdic', digits: 3 } } },
  { cls: 'IFB_LLCHAR', length: 99, expect: { type: 'ans', length: 99, encoding: 'ascii', prefix: { encoding: 'bcd', digits: 2 } } },
  { cls: 'IFB_LLLCHAR', length: 999, expect: { type: 'ans', length: 999, encoding: 'ascii', prefix: { encoding: 'bcd', digits: 3 } } },
  { cls: 'IFB_LLLBINARY', length: 999, expect: { type: 'b', length: 999, encoding: 'binary', prefix: { encoding: 'bcd', digits: 3 } } },
];

for (const c of CLASS_CASES) {
  test(`jPOS import – ${c.cls} length ${c.length}${c.pad === undefined ? '' : ` pad ${c.pad}`} keeps its jPOS wire format`, () => {
    const pad = c.pad === undefined ? '' : ` pad="${c.pad}"`;
    const d = dialectFromPackagerXml(packagerWith(`<isofield id="48" length="${c.length}" name="X"${pad} class="org.jpos.iso.${c.cls}"/>`));
    assert.deepEqual(field(d, '48'), { name: 'X', ...c.expect });
  });
}

test('jPOS import – a class name with surrounding spaces is the same class (postpack.xml writes "IFB_BINARY ")', () => {
  const d = dialectFromPackagerXml(packagerWith('<isofield id="53" length="48" name="SEC" class="org.jpos.iso.IFB_BINARY "/>'));
  assert.deepEqual(field(d, '53'), { name: 'SEC', type: 'b', length: 48, encoding: 'binary' });
});

test('jPOS import – MTI, bitmap and isopackager headerLength', () => {
  const ebcdic = dialectFromPackagerXml(`<isopackager headerLength="9">
    <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFE_NUMERIC"/>
    <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFE_BITMAP"/>
  </isopackager>`, 'e');
  assert.equal(ebcdic.name, 'e');
  assert.deepEqual(ebcdic.mti, { encoding: 'ebcdic' });
  assert.deepEqual(ebcdic.bitmap, { encoding: 'ebcdic' });
  assert.equal(ebcdic.headerLength, 9);

  const bcd = dialectFromPackagerXml(`<isopackager>
    <isofield id="0" length="4" name="MTI" pad="true" class="org.jpos.iso.IFB_NUMERIC"/>
    <isofield id="1" length="24" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
    <isofield id="65" length="8" name="TERTIARY BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
    <isofield id="130" length="1" name="X" class="org.jpos.iso.IF_CHAR"/>
  </isopackager>`);
  assert.deepEqual(bcd.mti, { encoding: 'bcd' });
  // 24 bitmap bytes: bit 65 announces a tertiary bitmap (fields 129-192), so field 65 is no data element.
  assert.deepEqual(bcd.bitmap, { encoding: 'binary', tertiary: true });
  assert.equal(bcd.fields['65'], undefined);
  assert.equal(field(bcd, '130').length, 1);
  assert.equal(bcd.headerLength, undefined);
});

test('jPOS import – track 2 and 3 with numeric classes are type z (they carry the = separator)', () => {
  const d = dialectFromPackagerXml(packager('jpos/packagers/iso87binary.xml'));
  assert.equal(field(d, '35').type, 'z');
  assert.equal(field(d, '35').encoding, 'bcd');
  assert.equal(field(d, '2').type, 'n');
});

test('jPOS import – the card data elements are marked for masking', () => {
  const d = dialectFromPackagerXml(packager('jpos/packagers/iso87ascii.xml'));
  assert.equal(field(d, '2').sensitive, 'pan');
  assert.equal(field(d, '35').sensitive, 'track');
  assert.equal(field(d, '36').sensitive, 'track');
  assert.equal(field(d, '45').sensitive, 'track');
  assert.equal(field(d, '52').sensitive, 'pin');
  assert.equal(field(d, '55').sensitive, 'emv');
  assert.equal(field(d, '4').sensitive, undefined);
  assert.equal(field(d, '41').sensitive, undefined);
});

test('jPOS import – Postilion field 127: GenericSubFieldPackager with a placeholder 0 and a binary sub-bitmap at 1', () => {
  const d = dialectFromPackagerXml(packager('jpos/packagers/postpack.xml'), 'postilion');
  const f127 = field(d, '127');
  assert.equal(f127.encoding, 'binary');
  assert.deepEqual(f127.prefix, { encoding: 'ascii', digits: 6 });
  assert.equal(f127.length, 999999);
  const sub = f127.subfields;
  assert.ok(sub !== undefined);
  // firstField 2: with no attribute, jPOS's getFirstField() is 2 when sub-field 1 is a bitmap class, and its unpack
  // loop starts there, so a set bit 1 is ignored rather than read.
  assert.deepEqual(sub.bitmap, { encoding: 'binary', length: 8, firstField: 2 });
  assert.equal(sub.headerLength, undefined);
  // Sub-field 0 (zero-length placeholder) and 1 (the bitmap) are no data; 2-26 are.
  assert.deepEqual(Object.keys(sub.fields).map(Number).sort((a, b) => a - b), Array.from({ length: 25 }, (_, i) => i + 2));
  assert.deepEqual(sub.fields['2'], {
    name: 'SWITCH KEY', type: 'ans', length: 32, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 },
  });
  assert.deepEqual(sub.fields['22']?.prefix, { encoding: 'ascii', digits: 5 });
  assert.deepEqual(sub.fields['25']?.prefix, { encoding: 'ascii', digits: 4 });
  assert.equal(sub.fields['25']?.sensitive, 'emv');
  assert.equal(sub.fields['10']?.sensitive, 'cvv');
});

test('jPOS import – nested GenericPackager (iso93ebcdic-custom 44, 48, 55): bitmap field 0, header byte', () => {
  const d = dialectFromPackagerXml(packager('jpos/packagers/iso93ebcdic-custom.xml'));
  for (const [key, bitmapBytes, count] of [['44', 2, 7], ['48', 4, 27], ['55', 4, 27]] as const) {
    const f = field(d, key);
    assert.equal(f.encoding, 'binary');
    assert.deepEqual(f.prefix, { encoding: 'ebcdic', digits: 3 });
    const sub = f.subfields;
    assert.ok(sub !== undefined, `${key} is composite`);
    assert.deepEqual(sub.bitmap, { encoding: 'ebcdic', length: bitmapBytes });
    assert.equal(sub.headerLength, 1);
    assert.equal(Object.keys(sub.fields).length, count);
    assert.equal(sub.fields['0'], undefined);
  }
  const f55 = field(d, '55').subfields?.fields ?? {};
  assert.deepEqual(f55['1'], { name: 'Authorisation Request Cryptogram (ARQC)', type: 'b', length: 8, encoding: 'binary' });
  assert.deepEqual(f55['9'], { name: 'Cryptogram Transaction Type', type: 'n', length: 2, encoding: 'ebcdic' });
  assert.deepEqual(f55['22']?.prefix, { encoding: 'ebcdic', digits: 2 });
  assert.equal(field(d, '48').subfields?.fields['2']?.sensitive, 'cvv');
  assert.equal(field(d, '48').subfields?.fields['20']?.sensitive, 'pin');
});

test('jPOS import – every field of every packager file imports, at its place', () => {
  for (const file of PACKAGERS) {
    const xml = packager(file);
    const d = dialectFromPackagerXml(xml, file);
    // Every top-level field element (not the MTI, not the bitmap) is a data element of the dialect.
    const topIds = [...xml.replace(/<isofieldpackager[\s\S]*?<\/isofieldpackager>/g, (m) => {
      const id = /\bid="(\d+)"/.exec(m)?.[1] ?? '';
      return `<isofield id="${id}"/>`;
    }).matchAll(/<isofield\s[^>]*?\bid="(\d+)"/g)].map((m) => m[1] ?? '');
    const expected = topIds.filter((id) => id !== '0' && id !== '1').sort();
    assert.deepEqual(Object.keys(d.fields).sort(), expected, `${file}: fields`);
    for (const [key, spec] of Object.entries(d.fields)) {
      assert.ok(spec.length >= 0 && Number.isInteger(spec.length), `${file} field ${key}: length`);
      assert.ok(['n', 'ans', 'b', 'xn', 'z'].includes(spec.type), `${file} field ${key}: type`);
    }
  }
});

test('jPOS import – an unknown class is refused naming the field and the class', () => {
  const err = throwsCoded(
    () => dialectFromPackagerXml(packagerWith('<isofield id="7" length="10" name="X" class="com.example.IFX_MAGIC"/>')),
    'ISO8583_ERR_PACKAGER_CLASS',
  );
  assert.equal(err.field, '7');
  assert.match(err.message, /com\.example\.IFX_MAGIC/);
  assert.match(err.message, /field 7/);

  const nested = throwsCoded(() => dialectFromPackagerXml(packagerWith(`
    <isofieldpackager id="127" length="999" name="P" class="org.jpos.iso.IFA_LLLCHAR"
        packager="org.jpos.iso.packager.GenericSubFieldPackager">
      <isofield id="1" length="8" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
      <isofield id="2" length="5" name="S" class="org.jpos.iso.IFA_NOPE"/>
    </isofieldpackager>`)), 'ISO8583_ERR_PACKAGER_CLASS');
  assert.equal(nested.field, '127.2');
  assert.match(nested.message, /IFA_NOPE/);

  const packagerClass = throwsCoded(() => dialectFromPackagerXml(packagerWith(`
    <isofieldpackager id="127" length="999" name="P" class="org.jpos.iso.IFA_LLLCHAR" packager="com.example.Mine">
      <isofield id="2" length="5" name="S" class="org.jpos.iso.IF_CHAR"/>
    </isofieldpackager>`)), 'ISO8583_ERR_PACKAGER_CLASS');
  assert.equal(packagerClass.field, '127');
  assert.match(packagerClass.message, /com\.example\.Mine/);
});

test('jPOS import – a bitmap class where a data element goes, or a data class for the MTI or bitmap, is refused', () => {
  assert.equal(throwsCoded(() => dialectFromPackagerXml(packagerWith(
    '<isofield id="3" length="8" name="X" class="org.jpos.iso.IFB_BITMAP"/>')), 'ISO8583_ERR_PACKAGER_CLASS').field, '3');
  assert.equal(throwsCoded(() => dialectFromPackagerXml(`<isopackager>
    <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_LLCHAR"/>
    <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFA_BITMAP"/></isopackager>`),
  'ISO8583_ERR_PACKAGER_CLASS').field, '0');
  assert.equal(throwsCoded(() => dialectFromPackagerXml(`<isopackager>
    <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>
    <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFA_NUMERIC"/></isopackager>`),
  'ISO8583_ERR_PACKAGER_CLASS').field, '1');
});

test('jPOS import – malformed or incomplete XML is ISO8583_ERR_PACKAGER_XML', () => {
  const cases = [
    '<isopackager><isofield id="2" length="19"',
    '<isopackager><isofield id="0" length="4" class="org.jpos.iso.IFA_NUMERIC"></isopackager>',
    '<notapackager/>',
    '',
    packagerWith('<isofield id="2" length="x" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>'),
    packagerWith('<isofield id="2" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>'),
    packagerWith('<isofield id="2" length="19" name="PAN"/>'),
    packagerWith('<isofield length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>'),
    packagerWith(`<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>
      <isofieldpackager id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM" packager="GenericSubFieldPackager"/>`),
    packagerWith('<isofield id="129" length="1" name="X" class="org.jpos.iso.IF_CHAR"/>'),
    `<isopackager><isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFA_BITMAP"/></isopackager>`,
  ];
  for (const xml of cases) throwsCoded(() => dialectFromPackagerXml(xml), 'ISO8583_ERR_PACKAGER_XML');
  throwsCoded(() => dialectFromPackagerXml(42 as unknown as string), 'ISO8583_ERR_PACKAGER_XML');
});

// --- The stock jPOS files against the built-in dialects. ---

/** The properties that decide the bytes on the wire, with the model's defaults filled in. */
function wire(f: FieldSpec): Record<string, unknown> {
  // Justification and pad nibble of BCD digits show on the wire only when the number of digits can be odd.
  const digits = f.type === 'xn' ? f.length - 1 : f.length;
  const oddPossible = f.encoding === 'bcd' && (f.prefix !== undefined || digits % 2 === 1);
  return {
    length: f.length,
    encoding: f.encoding,
    prefix: f.prefix === undefined ? undefined : { ...f.prefix, counts: f.prefix.counts ?? 'units' },
    justify: oddPossible ? (f.justify ?? 'right') : undefined,
    padNibble: oddPossible ? (f.padNibble ?? '0') : undefined,
    signEncoding: f.type === 'xn' && f.encoding === 'bcd' ? (f.signEncoding ?? 'ascii') : undefined,
    composite: f.subfields !== undefined,
  };
}

/** Every field where the imported and the built-in dialects differ, as `field: property` lines. */
function differences(imported: Dialect, builtin: Dialect): string[] {
  const out: string[] = [];
  if (imported.mti.encoding !== builtin.mti.encoding) out.push('mti: encoding');
  if (imported.bitmap.encoding !== builtin.bitmap.encoding) out.push('bitmap: encoding');
  const keys = new Set([...Object.keys(imported.fields), ...Object.keys(builtin.fields)]);
  for (const key of [...keys].sort((a, b) => Number(a) - Number(b))) {
    const a = imported.fields[key];
    const b = builtin.fields[key];
    if (a === undefined || b === undefined) {
      out.push(`${key}: ${a === undefined ? 'only built in' : 'only imported'}`);
      continue;
    }
    const wa = wire(a);
    const wb = wire(b);
    for (const prop of Object.keys(wa)) {
      if (JSON.stringify(wa[prop]) !== JSON.stringify(wb[prop])) out.push(`${key}: ${prop}`);
    }
    if (a.type !== b.type) out.push(`${key}: type ${a.type}/${b.type}`);
    if (a.sensitive !== b.sensitive) out.push(`${key}: sensitive ${a.sensitive ?? '-'}/${b.sensitive ?? '-'}`);
  }
  return out;
}

/**
 * The stock files and the built-in dialects put the same bytes on the wire for every field. What differs is
 * validation only: jPOS classes say how a value travels, not what it may hold, so the importer types every character
 * class `ans`; the built-in table has the standard's `an` for 37-40, 44, 49-51, 54 and 91-95. These are the only
 * differences (listed as `type imported/builtin`).
 */
const TYPE_DIFFERENCES = ['37', '38', '39', '40', '44', '49', '50', '51', '54', '91', '92', '93', '94', '95'].map(
  (k) => `${k}: type ans/an`,
);

for (const name of ['iso87ascii', 'iso87binary']) {
  test(`jPOS import – ${name}.xml agrees with the built-in ${name} on the wire, field by field`, () => {
    const imported = dialectFromPackagerXml(packager(`jpos/packagers/${name}.xml`), name);
    const builtin = getDialect(name);
    assert.deepEqual(imported.mti, builtin.mti);
    assert.deepEqual(imported.bitmap, builtin.bitmap);
    assert.deepEqual(differences(imported, builtin), TYPE_DIFFERENCES);
  });
}

test('jPOS import – every imported stock file is a dialect the codec accepts', () => {
  for (const file of PACKAGERS) {
    const codec = createCodec(dialectFromPackagerXml(packager(file), file));
    assert.equal(codec.dialect.name, file);
  }
});

test('jPOS import – damaged packager files fail only with coded packager or dialect errors (property)', () => {
  const source = packager('jpos/packagers/postpack.xml');
  const codes = new Set(['ISO8583_ERR_PACKAGER_XML', 'ISO8583_ERR_PACKAGER_CLASS', 'ISO8583_ERR_DIALECT_INVALID']);
  // Imported, then given to the codec (which checks the dialect's semantic rules): a dialect or a coded error.
  const importOrCodedError = (xml: string): boolean => {
    try {
      createCodec(dialectFromPackagerXml(xml));
      return true;
    } catch (err) {
      return isIso8583Error(err) && codes.has(err.code);
    }
  };
  fc.assert(
    fc.property(fc.nat(source.length), fc.nat(source.length), fc.string({ maxLength: 12 }), (at, cut, insert) => {
      // A truncation, and an insertion of arbitrary text anywhere (into a tag, an attribute, a class name...).
      return importOrCodedError(source.slice(0, cut)) && importOrCodedError(source.slice(0, at) + insert + source.slice(at));
    }),
    propertyRuns(150, 10),
  );
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => importOrCodedError(text)), propertyRuns(200, 10));
});

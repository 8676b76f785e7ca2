/**
 * The built-in dialects against the jPOS packager files they stand for, field by field: each jPOS class must map to
 * the same wire format (encoding, length, prefix) in `iso87ascii` / `iso87binary`. WSO2's `jposdef.xml` is checked
 * against `iso87ascii` the same way, with its one difference (field 52) written down.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVector } from '@iso8583/test-support';
import { BUILTIN_DIALECTS, getDialect } from '../src/index.js';
import type { FieldSpec } from '../src/index.js';

/** `id -> { class, length }` of the isofield elements of a GenericPackager file (flat files only). */
function packagerFields(path: string): Map<number, { cls: string; length: number }> {
  const xml = readVector(path).toString('utf8');
  const out = new Map<number, { cls: string; length: number }>();
  for (const m of xml.matchAll(/<isofield\b([^>]*?)\/>/gs)) {
    const attrs = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    out.set(Number(attrs.id), { cls: String(attrs.class).replace('org.jpos.iso.', ''), length: Number(attrs.length) });
  }
  return out;
}

/** The wire format of a jPOS class, as a partial FieldSpec (type is not part of the wire format). */
function wireOf(cls: string, length: number): Partial<FieldSpec> {
  const ll = /^IF[AB]_(L+)/.exec(cls)?.[1]?.length;
  const prefixEncoding = cls.startsWith('IFA_') ? 'ascii' : 'bcd';
  const prefix = ll === undefined ? undefined : { encoding: prefixEncoding, digits: ll };
  if (cls === 'IF_CHAR' || /^IF[AB]_L+CHAR$/.test(cls)) return { encoding: 'ascii', length, prefix } as Partial<FieldSpec>;
  if (cls === 'IFA_NUMERIC' || cls === 'IFA_LLNUM' || cls === 'IFA_AMOUNT') return { encoding: 'ascii', length, prefix } as Partial<FieldSpec>;
  if (cls === 'IFA_BINARY') return { encoding: 'hex', length };
  if (cls === 'IFB_BINARY' || cls === 'IFB_LLLBINARY') return { encoding: 'binary', length, prefix } as Partial<FieldSpec>;
  if (cls === 'IFB_NUMERIC' || cls === 'IFB_LLNUM' || cls === 'IFB_AMOUNT') return { encoding: 'bcd', length, prefix } as Partial<FieldSpec>;
  throw new Error(`class ${cls} not mapped in this test`);
}

function compare(packager: string, dialect: string, differences: Record<number, string> = {}): void {
  const fields = packagerFields(packager);
  const spec = getDialect(dialect);
  assert.equal(fields.size, 129);
  for (const [id, { cls, length }] of fields) {
    if (id < 2 || id in differences) continue;
    const ours = spec.fields[String(id)];
    assert.ok(ours !== undefined, `field ${id} missing`);
    const want = wireOf(cls, length);
    assert.deepEqual(
      { encoding: ours.encoding, length: ours.length, prefix: ours.prefix },
      { encoding: want.encoding, length: want.length, prefix: want.prefix },
      `${dialect} field ${id} (${cls} ${length})`,
    );
    // IFB_LLNUM pad="false" keeps the digits on the left; IFB_NUMERIC pad="true" on the right.
    if (cls === 'IFB_LLNUM') assert.equal(ours.justify, 'left', `field ${id}`);
    if (cls === 'IFB_NUMERIC') assert.notEqual(ours.justify, 'left', `field ${id}`);
    if (cls.endsWith('AMOUNT')) assert.equal(ours.type, 'xn', `field ${id}`);
  }
}

test('builtin – iso87ascii, iso87binary, iso93ascii, iso93binary and smartvista are built in, each with fields 2-128', () => {
  for (const name of ['iso87ascii', 'iso87binary', 'iso93ascii', 'iso93binary', 'smartvista']) assert.ok(BUILTIN_DIALECTS.includes(name), name);
  for (const name of BUILTIN_DIALECTS) {
    const d = getDialect(name);
    assert.deepEqual(Object.keys(d.fields).map(Number), Array.from({ length: 127 }, (_, i) => i + 2));
  }
});

test('builtin – iso87ascii matches jPOS iso87ascii.xml field by field', () => {
  compare('jpos/packagers/iso87ascii.xml', 'iso87ascii');
  assert.equal(getDialect('iso87ascii').mti.encoding, 'ascii');
  assert.equal(getDialect('iso87ascii').bitmap.encoding, 'hex');
});

test('builtin – iso87binary matches jPOS iso87binary.xml field by field', () => {
  compare('jpos/packagers/iso87binary.xml', 'iso87binary');
  assert.equal(getDialect('iso87binary').mti.encoding, 'bcd');
  assert.equal(getDialect('iso87binary').bitmap.encoding, 'binary');
});

test('builtin – iso87ascii matches WSO2 jposdef.xml except field 52 (IF_CHAR 16 there: the same 16 bytes)', () => {
  compare('wso2/jposdef.xml', 'iso87ascii', { 52: 'IF_CHAR 16' });
  const f52 = getDialect('iso87ascii').fields['52']!;
  assert.equal(f52.encoding, 'hex');
  assert.equal(f52.length * 2, packagerFields('wso2/jposdef.xml').get(52)!.length);
});

test('builtin – card data is marked: 2 pan, 35/36/45 track, 52 pin, 55 emv', () => {
  for (const name of BUILTIN_DIALECTS) {
    const f = getDialect(name).fields;
    assert.equal(f['2']!.sensitive, 'pan');
    assert.equal(f['35']!.sensitive, 'track');
    assert.equal(f['36']!.sensitive, 'track');
    assert.equal(f['45']!.sensitive, 'track');
    assert.equal(f['52']!.sensitive, 'pin');
    assert.equal(f['55']!.sensitive, 'emv');
    assert.equal(f['4']!.sensitive, undefined);
  }
});

test('builtin – getDialect returns a fresh copy each time', () => {
  const a = getDialect('iso87ascii');
  a.fields['2']!.length = 1;
  assert.equal(getDialect('iso87ascii').fields['2']!.length, 19);
});

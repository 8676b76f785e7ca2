/**
 * JSON dialect files: schema validation (every offending path named), semantic rules, `extends` with field
 * overrides and removals, and resolveDialect() for names, objects and files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createCodec, dialectFromJson, getDialect, resolveDialect } from '../src/index.js';
import type { Iso8583Error } from '../src/index.js';
import { vectorPath } from '@iso8583/test-support';

function problemPaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    const e = err as Iso8583Error;
    assert.equal(e.code, 'ISO8583_ERR_DIALECT_INVALID', e.message);
    return (e.problems ?? []).map((p) => p.field).sort();
  }
  assert.fail('expected ISO8583_ERR_DIALECT_INVALID');
}

const EBCDIC_HOST = {
  name: 'ebcdic-host',
  extends: 'iso87binary',
  description: 'a host that wants EBCDIC text and an F-padded PAN',
  bitmap: { encoding: 'binary' },
  headerLength: 5,
  fields: {
    '2': { padNibble: 'F' },
    '41': { encoding: 'ebcdic' },
    '43': { encoding: 'ebcdic', pad: { side: 'left', char: ' ' } },
    '48': { prefix: { encoding: 'binary', digits: 2 }, encoding: 'ebcdic' },
    '65': null,
  },
};

test('dialect-json – extends a built-in, overriding and removing fields', () => {
  const dialect = dialectFromJson(EBCDIC_HOST);
  assert.equal(dialect.name, 'ebcdic-host');
  assert.equal(dialect.headerLength, 5);
  assert.equal(dialect.fields['65'], undefined);
  assert.deepEqual(dialect.fields['2'], { ...getDialect('iso87binary').fields['2'], padNibble: 'F' });
  assert.equal(dialect.fields['41']!.encoding, 'ebcdic');
  assert.equal(dialect.fields['41']!.name, getDialect('iso87binary').fields['41']!.name);
  const codec = createCodec(dialect);
  const message = { '0': '0200', '2': '4111111111111', '41': 'TERM0001', '43': 'SHOP', '48': 'ABC' };
  const image = codec.pack(message);
  // PAN: 13 digits, left-justified, F pad nibble; 41 in EBCDIC; 48 with a 2-byte binary length.
  assert.ok(image.toString('hex').toUpperCase().includes('134111111111111F'));
  assert.ok(image.includes(Buffer.from('E3C5D9D4F0F0F0F1', 'hex')));
  assert.ok(image.includes(Buffer.from('0003C1C2C3', 'hex')));
  assert.deepEqual(codec.unpack(image), { ...message, '43': '                                    SHOP' });
});

test('dialect-json – a JSON text is accepted as well as an object', () => {
  assert.equal(dialectFromJson(JSON.stringify(EBCDIC_HOST)).name, 'ebcdic-host');
  assert.throws(() => dialectFromJson('{ not json'), { code: 'ISO8583_ERR_DIALECT_INVALID' });
});

test('dialect-json – the schema names every offending path at once', () => {
  const paths = problemPaths(() =>
    dialectFromJson({
      name: 'broken',
      extends: 'iso87ascii',
      colour: 'blue',
      bitmap: { encoding: 'octal' },
      fields: {
        '2': { type: 'q' },
        '3': { prefix: { encoding: 'bcd', digits: 7 } },
        '4': { length: -1, extra: true },
        x: { type: 'n' },
      },
    }),
  );
  assert.deepEqual(paths, ['bitmap.encoding', 'colour', 'fields.x', 'fields.2.type', 'fields.3.prefix.digits', 'fields.4.extra', 'fields.4.length'].sort());
});

test('dialect-json – without extends, mti and bitmap are required', () => {
  assert.deepEqual(problemPaths(() => dialectFromJson({ name: 'bare', fields: {} })), ['bitmap', 'mti']);
});

test('dialect-json – semantic rules: binary prefix of 1-4 bytes, BCD-only properties, complete new fields', () => {
  const paths = problemPaths(() =>
    dialectFromJson({
      name: 'semantic',
      extends: 'iso87ascii',
      fields: {
        '2': { prefix: { encoding: 'binary', digits: 5 } },
        '3': { padNibble: 'F' },
        '4': { justify: 'left' },
        '28': { signEncoding: 'ebcdic' },
        '129': { name: 'NEW', type: 'n', length: 1, encoding: 'ascii' },
        '130': { name: 'INCOMPLETE' },
        '43': { pad: { side: 'left', char: '€' } },
      },
    }),
  );
  assert.deepEqual(
    paths,
    ['fields.129', 'fields.130', 'fields.2.prefix.digits', 'fields.28.signEncoding', 'fields.3.padNibble', 'fields.4.justify', 'fields.43.pad.char'].sort(),
  );
});

test('dialect-json – moving a BCD field to ASCII drops its BCD details', () => {
  const dialect = dialectFromJson({ name: 'to-ascii', extends: 'iso87binary', fields: { '2': { encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } } } });
  assert.equal(dialect.fields['2']!.justify, undefined);
  const codec = createCodec(dialect);
  assert.ok(codec.pack({ '0': '0200', '2': '4111111111111111' }).includes(Buffer.from('164111111111111111', 'latin1')));
});

test('dialect-json – extending an unknown dialect is refused', () => {
  assert.deepEqual(problemPaths(() => dialectFromJson({ name: 'x', extends: 'iso99', fields: {} })), ['extends']);
});

test('dialect-json – resolveDialect: objects, built-in names, .json and .xml files; unknown names and files refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-dialect-'));
  try {
    const file = join(dir, 'host.json');
    writeFileSync(file, JSON.stringify(EBCDIC_HOST));
    assert.equal(resolveDialect(file).name, 'ebcdic-host');
    assert.equal(createCodec(file).dialect.name, 'ebcdic-host');
    // A file saved with a UTF-8 byte order mark (Windows editors write one) is read as the same dialect.
    const marked = join(dir, 'marked.json');
    writeFileSync(marked, `\uFEFF${JSON.stringify(EBCDIC_HOST)}`);
    assert.equal(resolveDialect(marked).name, 'ebcdic-host');
    assert.equal(resolveDialect('iso87ascii').name, 'iso87ascii');
    const xml = resolveDialect(vectorPath('jpos/packagers/iso87binary.xml'));
    assert.equal(xml.fields['35']!.encoding, 'bcd');
    const object = getDialect('iso87binary');
    assert.equal(resolveDialect(object), object);
    assert.throws(() => resolveDialect('iso87nothing'), { code: 'ISO8583_ERR_DIALECT_UNKNOWN' });
    assert.throws(() => resolveDialect(join(dir, 'missing.json')), { code: 'ISO8583_ERR_DIALECT_UNKNOWN' });
    assert.throws(() => createCodec('toString'), { code: 'ISO8583_ERR_DIALECT_UNKNOWN' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dialect-json – a dialect object that breaks the rules is refused by createCodec', () => {
  const dialect = getDialect('iso87ascii');
  dialect.fields['2'] = { ...dialect.fields['2']!, prefix: { encoding: 'bcd', digits: 0 } };
  assert.throws(() => createCodec(dialect), { code: 'ISO8583_ERR_DIALECT_INVALID' });
});

test('dialect-json – the schema ships as @iso8583/codec/dialect.schema.json', () => {
  const require = createRequire(import.meta.url);
  const path = require.resolve('@iso8583/codec/dialect.schema.json');
  const schema = JSON.parse(readFileSync(path, 'utf8')) as { title: string; definitions: Record<string, unknown> };
  assert.equal(schema.title, 'ISO 8583 dialect');
  assert.ok('field' in schema.definitions);
});

/**
 * A JSON dialect that `extends` another needs no `fields` (docs/dialects.md gives one that sets only the edition and
 * approval codes of an imported jPOS packager); without `extends` they are still required.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vectorPath } from '@iso8583/test-support';
import { createCodec, dialectFromJson, getDialect, resolveDialect } from '../src/index.js';
import type { Iso8583Error } from '../src/index.js';

test('dialect-json extends – the docs example without fields imports the packager with its edition and approval codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-fix56f-extends-'));
  try {
    copyFileSync(vectorPath('jpos/packagers/iso93ebcdic-custom.xml'), join(dir, 'acquirer93.xml'));
    const file = join(dir, 'acquirer93.json');
    writeFileSync(file, '{ "name": "acquirer93", "extends": "acquirer93.xml", "version": "1993", "approvalCodes": ["000", "001"] }');
    const d = resolveDialect(file);
    assert.equal(d.name, 'acquirer93');
    assert.equal(d.version, '1993');
    assert.deepEqual(d.approvalCodes, ['000', '001']);
    assert.deepEqual(d.fields, resolveDialect(join(dir, 'acquirer93.xml')).fields);
    assert.ok(createCodec(d));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dialect-json extends – a built-in extended without fields keeps its fields; without extends fields are required', () => {
  assert.deepEqual(dialectFromJson({ name: 'mine', extends: 'iso87ascii', headerLength: 2 }).fields, getDialect('iso87ascii').fields);
  const base = getDialect('iso87ascii');
  assert.throws(
    () => dialectFromJson({ name: 'bare', mti: base.mti, bitmap: base.bitmap }),
    (err: Iso8583Error & { problems?: { field: string }[] }) => err.code === 'ISO8583_ERR_DIALECT_INVALID' && err.problems!.some((p) => p.field === 'fields'),
  );
});

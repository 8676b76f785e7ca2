/**
 * resolveDialect and the file of a `.json` or `.xml` path: a file that cannot be read says why (the system's code), and
 * `readFile` is the reader an application gives (the `iso8583` command holds the file to its flag-file rules with it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';

test('a dialect file that cannot be read is ISO8583_ERR_DIALECT_UNKNOWN with the system\'s code', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-resolve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(() => resolveDialect(join(dir, 'missing.json')), { code: 'ISO8583_ERR_DIALECT_UNKNOWN', message: /the dialect file cannot be read: ENOENT$/ });
});

test('readFile reads the file of a dialect path: its text is the dialect, its error passes through', () => {
  const read: string[] = [];
  const dialect = resolveDialect('/nowhere/mine.json', {
    readFile: (path) => {
      read.push(path);
      return JSON.stringify({ name: 'mine', extends: 'iso87ascii', fields: {} });
    },
  });
  assert.equal(dialect.name, 'mine');
  assert.deepEqual(read, ['/nowhere/mine.json']);
  const refusal = Object.assign(new Error('not for you'), { code: 'MY_OWN' });
  assert.throws(() => resolveDialect('x.xml', { readFile: () => { throw refusal; } }), (err) => err === refusal);
});

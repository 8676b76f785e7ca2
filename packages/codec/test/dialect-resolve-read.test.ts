/**
 * resolveDialect and the file of a `.json` or `.xml` path: a file that cannot be read says why (the system's code, or
 * the rule: a regular file of at most 1 MiB, so a device or a FIFO named by mistake is refused at once), and
 * `readFile` is the reader an application gives (the `iso8583` command holds the file to its flag-file rules with it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

test('the default reader refuses a device, a FIFO, a folder and a file over 1 MiB at once, and a packager a JSON dialect extends alike', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-resolve-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync('/dev/zero', join(dir, 'zero.json'));
  execFileSync('mkfifo', [join(dir, 'pipe.xml')]);
  mkdirSync(join(dir, 'folder.json'));
  writeFileSync(join(dir, 'big.json'), ' '.repeat(1024 * 1024 + 1));
  const refused = (file: string, why: RegExp): void =>
    assert.throws(() => resolveDialect(join(dir, file)), (err: Error & { code?: string }) => err.code === 'ISO8583_ERR_DIALECT_UNKNOWN' && why.test(err.message));
  refused('zero.json', /cannot be read: not a regular file$/);
  // No writer ever comes: a blocking open would wait for ever.
  refused('pipe.xml', /cannot be read: not a regular file$/);
  refused('folder.json', /cannot be read: EISDIR$/);
  refused('big.json', /cannot be read: larger than 1048576 bytes$/);
  writeFileSync(join(dir, 'extends-pipe.json'), JSON.stringify({ name: 'x', extends: 'pipe.xml', fields: {} }));
  assert.throws(() => resolveDialect(join(dir, 'extends-pipe.json')), (err: Error & { problems?: { field: string; reason: string }[] }) =>
    err.problems?.some((p) => p.field === 'extends' && p.reason === 'the packager file cannot be read: not a regular file') === true);
});

test('a path without .json or .xml (a pipe\'s /dev/fd/63, a .txt) is refused saying a dialect file\'s path ends in one', () => {
  for (const ref of ['/dev/fd/63', 'my-dialect.txt', 'iso99nothing']) {
    assert.throws(() => resolveDialect(ref), {
      code: 'ISO8583_ERR_DIALECT_UNKNOWN',
      message: /unknown dialect ".*": neither built in \(iso87ascii, .*\) nor a file path ending in \.json \(a dialect\) or \.xml \(a jPOS packager\)$/,
    });
  }
  assert.equal(resolveDialect('iso87ascii').name, 'iso87ascii');
});

const PACKAGER = `<?xml version="1.0" encoding="UTF-8"?>
<isopackager>
  <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFA_BITMAP"/>
  <isofield id="11" length="6" name="STAN" class="org.jpos.iso.IFA_NUMERIC"/>
</isopackager>`;

test('readFile reads the packager a JSON dialect extends too (from the dialect file\'s folder), and its error passes through alike', () => {
  const read: string[] = [];
  const files: Record<string, string> = {
    [join('/nowhere', 'mine.json')]: JSON.stringify({ name: 'mine', extends: 'base.xml', fields: {} }),
    [join('/nowhere', 'base.xml')]: PACKAGER,
  };
  const readFile = (path: string): string => {
    read.push(path);
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`mine cannot read ${path}`), { code: 'MY_OWN' });
    return text;
  };
  const dialect = resolveDialect(join('/nowhere', 'mine.json'), { readFile });
  assert.equal(dialect.fields['11']?.length, 6);
  assert.deepEqual(read, [join('/nowhere', 'mine.json'), join('/nowhere', 'base.xml')], 'both files through the one reader');
  // The reader's own refusal of the packager is what the caller sees, as for the dialect file itself.
  files[join('/nowhere', 'other.json')] = JSON.stringify({ name: 'other', extends: 'gone.xml', fields: {} });
  assert.throws(() => resolveDialect(join('/nowhere', 'other.json'), { readFile }), (err: Error & { code?: string }) =>
    err.code === 'MY_OWN' && err.message === `mine cannot read ${join('/nowhere', 'gone.xml')}`);
});

// The journal folder (and the transaction log's, the same `--reversal-journal` folder) is mode 0700 whoever made it
// (docs/connector.md, docs/operations.md): one already there with group or other bits (made by hand, a restore, another
// umask) is set to 0700 when a store opens it, as a file is set to 0600; one this process does not own and cannot set
// fails the open (the journal's coded error, its cause naming the folder and the fix). Before: `mkdir`'s mode applied
// only when it made the folder, so one made `mkdir -m 755` stayed readable by all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { FileJournal, FileTransactionLog } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

test('folder mode – a journal folder made with mode 0755 is 0700 once the journal opens it', async (t) => {
  const dir = join(tempDir(t, 'folder-mode'), 'journal');
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755); // whatever the umask
  const journal = new FileJournal(dir, { compactInterval: 0 });
  await journal.open();
  t.after(() => journal.close());
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});

test('folder mode – a transaction log folder at mode 0775 is 0700 once the log opens it', async (t) => {
  const dir = tempDir(t, 'folder-mode-log');
  chmodSync(dir, 0o775);
  const log = new FileTransactionLog(dir);
  await log.open();
  t.after(() => log.close());
  assert.equal(statSync(dir).mode & 0o777, 0o700);
});

test('folder mode – a shared folder (sticky bit, like /tmp) is never made private: the open fails naming it, the folder left as it was', async (t) => {
  const dir = tempDir(t, 'folder-mode-sticky');
  chmodSync(dir, 0o1777);
  const journal = new FileJournal(dir, { compactInterval: 0 });
  const failed = await journal.open().then(
    async () => {
      await journal.close();
      return undefined;
    },
    (err: Error & { code?: string; cause?: Error & { code?: string } }) => err,
  );
  assert.equal(failed?.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(failed?.cause?.code, 'EACCES');
  assert.ok(failed?.cause?.message.includes(dir) === true, String(failed?.cause?.message));
  assert.match(failed?.cause?.message ?? '', /a folder of its own/);
  assert.equal(statSync(dir).mode & 0o7777, 0o1777, 'the folder is left as it was');
  assert.deepEqual(readdirSync(dir), [], 'nothing written in it');
});

// Run as another user (setpriv) when the test is root: a folder owned by root at 0777 cannot be set by that user.
const SETPRIV = '/usr/bin/setpriv';
test('folder mode – a folder it does not own and cannot make private fails the open, naming the folder and the fix', { skip: process.getuid?.() !== 0 || !existsSync(SETPRIV) ? 'needs root and setpriv' : false }, async (t) => {
  const dir = tempDir(t, 'folder-mode-owner');
  chmodSync(dir, 0o777);
  const index = new URL('../src/index.js', import.meta.url).href;
  const child = `const { FileJournal } = await import(${JSON.stringify(index)});
const journal = new FileJournal(process.argv[1], { compactInterval: 0 });
try { await journal.open(); await journal.close(); console.log('{}'); }
catch (e) { console.log(JSON.stringify({ code: e.code, cause: e.cause?.code, why: e.cause?.message })); }`;
  const { stdout } = await promisify(execFile)(SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', child, dir]);
  const failed = JSON.parse(stdout.trim()) as { code?: string; cause?: string; why?: string };
  assert.equal(failed.code, 'ISO8583_ERR_CONNECTOR_JOURNAL', stdout);
  assert.equal(failed.cause, 'EPERM', stdout);
  assert.ok(failed.why?.includes(dir) === true, `the folder is named: ${failed.why}`);
  assert.match(failed.why ?? '', /chown it .*\(chmod 700\)/);
  assert.equal(statSync(dir).mode & 0o777, 0o777, 'the folder is left as it was');
  assert.deepEqual(readdirSync(dir), [], 'nothing written in it');
});

// The journal folder (and the transaction log's, the same `--reversal-journal` folder) is mode 0700 whoever made it
// (docs/connector.md, docs/operations.md): one already there with group or other bits (made by hand, a restore, another
// umask) is set to 0700 when a store opens it, as a file is set to 0600. One this process cannot set (not its owner: a
// volume mounted group-writable) or one shared by design (the sticky bit, like /tmp) is left as it is, told at `warn`
// (ISO8583_WARN_FOLDER_NOT_PRIVATE): the start goes on, since a start refused leaves what the journal owes unsent.
// Before: `mkdir`'s mode applied only when it made the folder, so one made `mkdir -m 755` stayed readable by all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { FileJournal, FileTransactionLog } from '../src/index.js';
import { capturedLogger } from '@iso8583/test-support';
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

test('folder mode – a shared folder (sticky bit, like /tmp) is never made private: told at warn, the folder left as it was, the journal opens', async (t) => {
  const dir = tempDir(t, 'folder-mode-sticky');
  chmodSync(dir, 0o1777);
  const { logger, lines } = capturedLogger('info');
  const journal = new FileJournal(dir, { compactInterval: 0, logger });
  await journal.open();
  t.after(() => journal.close());
  assert.equal(statSync(dir).mode & 0o7777, 0o1777, 'the folder is left as it was');
  const told = lines.filter((l) => l.code === 'ISO8583_WARN_FOLDER_NOT_PRIVATE');
  assert.equal(told.length, 1, JSON.stringify(lines));
  assert.equal(told[0]?.reason, 'shared');
  assert.equal(told[0]?.dir, dir);
  assert.match(String(told[0]?.msg), /a folder of its own/);
});

// Run as another user (setpriv) when the test is root: a folder owned by root at 0777 cannot be set by that user.
const SETPRIV = '/usr/bin/setpriv';
test('folder mode – a folder it does not own and cannot make private: told at warn naming the folder and the fix, left as it was, the journal opens', { skip: process.getuid?.() !== 0 || !existsSync(SETPRIV) ? 'needs root and setpriv' : false }, async (t) => {
  const dir = tempDir(t, 'folder-mode-owner');
  chmodSync(dir, 0o777);
  const index = new URL('../src/index.js', import.meta.url).href;
  const child = `const { FileJournal } = await import(${JSON.stringify(index)});
const { default: pino } = await import('pino');
const lines = [];
const logger = pino({ level: 'info' }, { write: (l) => lines.push(JSON.parse(l)) });
const journal = new FileJournal(process.argv[1], { compactInterval: 0, logger });
try { await journal.open(); await journal.close(); console.log(JSON.stringify({ opened: true, lines })); }
catch (e) { console.log(JSON.stringify({ code: e.code, cause: e.cause?.code, lines })); }`;
  const { stdout } = await promisify(execFile)(SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', child, dir], { cwd: new URL('.', import.meta.url).pathname });
  const got = JSON.parse(stdout.trim()) as { opened?: boolean; lines: Array<Record<string, unknown>> };
  assert.equal(got.opened, true, stdout);
  const told = got.lines.filter((l) => l.code === 'ISO8583_WARN_FOLDER_NOT_PRIVATE');
  assert.equal(told.length, 1, stdout);
  assert.equal(told[0]?.reason, 'EPERM');
  assert.ok(String(told[0]?.msg).includes(dir), `the folder is named: ${String(told[0]?.msg)}`);
  assert.match(String(told[0]?.msg), /owned by this user, mode 0700/);
  assert.equal(statSync(dir).mode & 0o777, 0o777, 'the folder is left as it was');
});

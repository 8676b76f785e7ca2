// The transaction log's day files are mode 0600 (docs/operations.md: they hold masked PANs, terminals, amounts),
// whoever made them: a day file already there at another mode (made by an older version, by hand, restored from a
// backup, under another umask) is set to 0600 through the handle when the log opens it, before anything is written to
// it, and what it held is kept. Before: the mode given to open applied only when it made the file, so a 0644 file
// stayed world-readable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { FileTransactionLog, transactionFile } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

const T0 = Date.parse('2026-11-28T10:00:00Z');

function rec(stan: string, at: number): TransactionRecord {
  return { at, node: 'n1', upstream: '127.0.0.1:9', mti: '0200', stan, terminal: 'TERM0001', latencyMs: 5, outcome: 'approved' };
}

test('FileTransactionLog – a day file already there at mode 0644 is made 0600 when written, its records kept', async (t) => {
  const dir = tempDir(t, 'txlog-mode');
  const file = join(dir, transactionFile('2026-11-28'));
  writeFileSync(file, `${JSON.stringify(rec('000001', T0))}\n`);
  chmodSync(file, 0o644); // whatever the umask: world-readable, as an older version or a restore left it
  assert.equal(statSync(file).mode & 0o777, 0o644);
  const log = new FileTransactionLog(dir);
  t.after(() => log.close());
  await log.open();
  await log.record(rec('000002', T0 + 1000));
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the day file is private');
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000002', '000001'], 'what the file held is kept');
  assert.equal(readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length, 2);
});

// A day file this process may write but does not own (restored by root at 0664, the service user in its group) cannot
// be made private: each batch fails with the coded error, its cause naming the file and how to fix it (chown it, or
// chmod 600). Before: the bare EPERM of fchmod, no file named. Run as another user (setpriv) when the test is root.
const SETPRIV = '/usr/bin/setpriv';
test('FileTransactionLog – a group-writable day file it does not own fails with an error naming the file and the fix', { skip: process.getuid?.() !== 0 || !existsSync(SETPRIV) ? 'needs root and setpriv' : false }, async (t) => {
  const dir = tempDir(t, 'txlog-owner');
  // The folder is the service user's (a folder it cannot make private is refused at open: folder-lock-mode.test.ts).
  chownSync(dir, 65534, 65534);
  const file = join(dir, transactionFile('2026-11-28'));
  writeFileSync(file, '');
  chownSync(file, 0, 65534);
  chmodSync(file, 0o664);
  const index = new URL('../src/index.js', import.meta.url).href;
  const child = `const { FileTransactionLog } = await import(${JSON.stringify(index)});
const log = new FileTransactionLog(process.argv[1]);
await log.open();
try { await log.record(${JSON.stringify(rec('000001', T0))}); console.log('{}'); }
catch (e) { console.log(JSON.stringify({ code: e.code, cause: e.cause?.message })); }
await log.close();`;
  const { stdout } = await promisify(execFile)(SETPRIV, ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--input-type=module', '-e', child, dir]);
  const failed = JSON.parse(stdout.trim()) as { code?: string; cause?: string };
  assert.equal(failed.code, 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG');
  assert.ok(failed.cause?.includes(file) === true, `the file is named: ${failed.cause}`);
  assert.match(failed.cause ?? '', /chown it .*\(chmod 600\)/);
  assert.equal(statSync(file).mode & 0o777, 0o664, 'the file is left as it was');
});

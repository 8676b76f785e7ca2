// A file journal or a file transaction log that cannot be opened at start says why and where: its folder, the
// system's reason (code and words) and the file the failed operation was about when the system names one, so that a
// start that fails (a file left by a first run as another user, a read-only mount) is not a bare "cannot be opened".
// A symbolic link to itself (ELOOP) or a folder in the place of a file fail the same way for root: these run as any user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, FileTransactionLog, JOURNAL_FILE, LOCK_FILE, TRANSACTION_LOCK_FILE, transactionFile } from '../src/index.js';
import { tmpfsFolder } from '@iso8583/test-support';
import { tempDir } from './helpers/setup.js';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A name that cannot be opened by anyone, root included: a symbolic link to itself. */
function loop(path: string): string {
  symlinkSync(path, path);
  return path;
}

const ELOOP = 'ELOOP \\([a-z ]+\\)';

test('FileJournal.open – a journal file that cannot be opened fails ISO8583_ERR_CONNECTOR_JOURNAL with the reason and the file', async (t) => {
  const dir = tempDir(t, 'journal-open-reason');
  const file = loop(join(dir, JOURNAL_FILE));
  await assert.rejects(new FileJournal(dir).open(), {
    code: 'ISO8583_ERR_CONNECTOR_JOURNAL',
    field: 'reversal.journalDir',
    message: new RegExp(`^reversal\\.journalDir: the reversal journal in ${escape(dir)} cannot be opened: ${ELOOP}: ${escape(file)}$`),
  });
  // A failure the system names no file for (a read of a folder) still says its reason.
  const other = tempDir(t, 'journal-open-reason');
  mkdirSync(join(other, JOURNAL_FILE));
  await assert.rejects(new FileJournal(other).open(), { message: /cannot be opened: EISDIR \(illegal operation on a directory\)$/ });
});

test('FileJournal.open – a lock file that cannot be read names the reason and the lock file', async (t) => {
  const dir = tempDir(t, 'journal-lock-reason');
  const lock = loop(join(dir, LOCK_FILE));
  await assert.rejects(new FileJournal(dir).open(), {
    code: 'ISO8583_ERR_CONNECTOR_JOURNAL',
    message: new RegExp(`cannot be opened: ${ELOOP}: ${escape(lock)}$`),
  });
});

test('FileTransactionLog.open – a day file or the lock that cannot be read fails ISO8583_ERR_CONNECTOR_TRANSACTION_LOG with the reason and the file', async (t) => {
  const dir = tempDir(t, 'txlog-open-reason');
  const day = loop(join(dir, transactionFile('2026-11-28')));
  await assert.rejects(new FileTransactionLog(dir).open(), {
    code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG',
    field: 'transactionLog',
    message: new RegExp(`^transactionLog: the transaction log cannot be opened \\(${escape(dir)}\\): ${ELOOP}: ${escape(day)}$`),
  });
  const other = tempDir(t, 'txlog-lock-reason');
  const lock = loop(join(other, TRANSACTION_LOCK_FILE));
  writeFileSync(join(other, 'unrelated'), '');
  await assert.rejects(new FileTransactionLog(other).open(), {
    code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG',
    message: new RegExp(`cannot be opened \\(${escape(other)}\\): ${ELOOP}: ${escape(lock)}$`),
  });
});

test('FileJournal.open on a full disk – ENOSPC names the file the start could not write, and leaves nothing in the folder', async (t) => {
  // A real full disk: a 1 MiB tmpfs under the 4 MiB preallocation of a new journal. Mounting needs root.
  const dir = tmpfsFolder(t, '1m', 'iso8583-journal-full-disk-');
  if (dir === undefined) return;
  await assert.rejects(new FileJournal(dir).open(), {
    code: 'ISO8583_ERR_CONNECTOR_JOURNAL',
    message: new RegExp(`cannot be opened: ENOSPC \\(no space left on device\\): ${escape(join(dir, JOURNAL_FILE))}\\.tmp$`),
  });
  assert.deepEqual(readdirSync(dir), [], 'no reversals.jsonl.tmp, no lock');
});

// What --check-config lets pass in a store folder left by another run (files this user may open, a day file the
// start does not read), and what it refuses besides: another user's journal file in a sticky folder, an
// --http-token-file or --log-file this user may not open. Under root the binary runs as nobody (other-user.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JOURNAL_FILE, transactionFile } from '@iso8583/connector';
import type { BatchResult } from '@iso8583/test-support';
import { AS_ROOT, batchAsOther, closeFile, giveFile, giveFolder, openFolder, otherUserSkip, runAsOther } from './other-user.js';
import { EACCES, STORE_FILES, escape, gatewayArgs } from './store-folder.js';

const skip = otherUserSkip();

test('gateway --check-config passes the files it may open, and an old day file the start does not read', { skip }, async (t) => {
  const journal = giveFolder(join(openFolder(t), 'journal'));
  for (const { file, text } of STORE_FILES) {
    writeFileSync(join(journal, file), text);
    giveFile(join(journal, file));
  }
  writeFileSync(join(journal, transactionFile('2025-06-30')), '');
  closeFile(join(journal, transactionFile('2025-06-30')));
  // Another user's journal file this user may read, in its own folder: the start reads it and renames over it.
  const theirs = giveFolder(join(openFolder(t), 'journal'));
  writeFileSync(join(theirs, JOURNAL_FILE), '\n');
  chmodSync(join(theirs, JOURNAL_FILE), 0o644);
  // Both checks in one batch child as the other user (the real binary as that user: the tests below).
  const [r, other] = (await batchAsOther([
    [...gatewayArgs(journal), '--check-config'],
    [...gatewayArgs(theirs), '--check-config'],
  ])) as [BatchResult, BatchResult];
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^gateway config is valid: /);
  assert.equal(other.code, 0, other.stderr);
});

test('gateway --check-config refuses another user\'s journal file in a sticky folder (the start cannot rename over it)', { skip: skip || (AS_ROOT ? false : 'a file of another user needs root to make') }, (t) => {
  const journal = join(openFolder(t), 'journal');
  mkdirSync(journal);
  chmodSync(journal, 0o1777);
  writeFileSync(join(journal, JOURNAL_FILE), '\n');
  chmodSync(join(journal, JOURNAL_FILE), 0o644);
  const r = runAsOther([...gatewayArgs(journal), '--check-config']);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /EPERM \(operation not permitted\): this user may not rename over or remove \S+\/reversals\.jsonl \(another user's file in the sticky folder \S+\)\n$/);
});

test('gateway --check-config refuses an --http-token-file or a --log-file this user may not open, as the start does', { skip }, async (t) => {
  const dir = openFolder(t);
  const token = join(dir, 'token');
  writeFileSync(token, 'secret-token-1234567890\n');
  closeFile(token);
  const log = join(dir, 'gateway.log');
  writeFileSync(log, '');
  closeFile(log);
  const logArgs = ['gateway', '--upstream', '127.0.0.1:9', '--no-reversal', '--no-transaction-log', '--listen', '0', '--http', '0', '--log-file', log];
  // The two checks share one batch child as the other user; the start (no --check-config) is the real binary.
  const [r, checked] = (await batchAsOther([
    ['gateway', '--upstream', '127.0.0.1:9', '--no-reversal', '--no-transaction-log', '--http-token-file', token, '--check-config'],
    [...logArgs, '--check-config'],
  ])) as [BatchResult, BatchResult];
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, new RegExp(`^iso8583: ISO8583_ERR_CLI_FILE: --http-token-file: cannot read the file ${escape(token)}: EACCES \\(permission denied\\)\n$`));
  const started = runAsOther(logArgs);
  for (const l of [{ status: checked.code, stdout: checked.stdout, stderr: checked.stderr }, started]) {
    assert.equal(l.status, 1, l.stdout);
    assert.match(l.stderr, new RegExp(`^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --log-file ${escape(log)} cannot be opened for writing: ${EACCES}\n$`));
  }
});

// A journal folder that is a volume of its own holds `lost+found` (root's, mode 0700): the service user cannot enter
// it, and no start of that user ever wrote a journal there. Looking for a stranded journal (journal-stranded.ts) there
// is a warning naming the folder, not a refusal: --check-config and the start used to refuse, so no service user could
// start on such a volume. A reversals.jsonl that exists and cannot be read is still refused. Real files, the real
// binary run as another user (other-user.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AS_ROOT, closeFile, giveFolder, openFolder, otherUserSkip, runAsOther } from './other-user.js';

const skip = otherUserSkip();

/** A folder under `dir` the other user cannot enter: root's with mode 0700 (as `lost+found`), or mode 000. */
function closedFolder(dir: string, name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  chmodSync(path, AS_ROOT ? 0o700 : 0);
  return path;
}

const checkConfig = (dir: string): string[] => ['gateway', '--check-config', '--upstream', '127.0.0.1:9', '--reversal-journal', dir];

test('a folder under --reversal-journal the service user cannot enter (lost+found) is a warning, not a refusal', { skip }, (t) => {
  const dir = giveFolder(join(openFolder(t), 'journal'));
  const lost = closedFolder(dir, 'lost+found');
  const r = runAsOther(checkConfig(dir));
  chmodSync(lost, 0o700); // for the folder's removal
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`warning: ISO8583_WARN_JOURNAL_UNCHECKED: --reversal-journal: the folder ${lost.replace(/[+.]/g, '\\$&')} cannot be entered \\(EACCES\\)`));
  assert.match(r.stdout, /gateway config is valid/);
});

test('a stranded reversals.jsonl that exists and cannot be read is still refused', { skip }, (t) => {
  const dir = giveFolder(join(openFolder(t), 'journal'));
  const old = join(dir, 'visa');
  mkdirSync(old, { mode: 0o755 });
  writeFileSync(join(old, 'reversals.jsonl'), '');
  closeFile(join(old, 'reversals.jsonl'));
  const r = runAsOther(checkConfig(dir));
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /ISO8583_ERR_GATEWAY_CONFIG: --reversal-journal: the journal in \S+visa cannot be read \(EACCES\) to tell whether it holds entries an earlier run left unsent, and this configuration \(one upstream\) does not open it/);
});

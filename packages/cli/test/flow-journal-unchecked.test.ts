// A flow connector with reversal and SAF off and no journalDir: its default folder (defaultJournalDir("FLOW.CONNECTOR"))
// is looked into for a journal an earlier run left. A folder that cannot be entered (a file in its place: ENOTDIR; a
// folder this user may not enter: EACCES) used to be skipped without a word, where the gateway warns of its: now `run
// --check` prints, and the start logs, the gateway's warning (ISO8583_WARN_JOURNAL_UNCHECKED, the same words), naming
// /connectors/NAME and the folder; neither refuses. Real files, the real `iso8583` binary (and another user's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultJournalDir } from '@iso8583/connector';
import { runCli, startCli } from './cli-process.js';
import { stateHome } from './helpers/state-home.js';
import { AS_ROOT, otherUserSkip, runAsOther } from './other-user.js';

/** The flow file `payments` in `dir`: connector `bank` with reversal off, an inbound endpoint on port 0. */
function flowIn(dir: string): string {
  const file = join(dir, 'flow.json');
  const flow = { name: 'payments', connectors: { bank: { host: '127.0.0.1', port: 9, reversal: { enabled: false } } }, inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } };
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

/** The warning line's text for `dir`, which cannot be entered for `reason`. */
const warning = (dir: string, reason: string): string =>
  `ISO8583_WARN_JOURNAL_UNCHECKED: /connectors/bank: the folder ${dir} cannot be entered (${reason}) to look for a reversals.jsonl an earlier run with reversal or SAF on left (its default journal folder); not checked`;

test('reversal off over a default journal folder that cannot be entered (ENOTDIR): run --check warns, the start logs it, neither refuses', async (t) => {
  const file = flowIn(stateHome(t, 'flow-unchecked'));
  const journalDir = defaultJournalDir('payments.bank');
  mkdirSync(dirname(journalDir), { recursive: true });
  writeFileSync(journalDir, 'not a folder');
  const check = await runCli(['run', file, '--check']);
  assert.equal(check.code, 0, check.stderr);
  assert.equal(check.stdout, `warning: ${warning(journalDir, 'ENOTDIR')}\nflow payments is valid\n`);
  const run = await startCli(['run', file]);
  const ended = await run.stop();
  assert.ok(ended.stderr.includes(warning(journalDir, 'ENOTDIR')), ended.stderr);
});

const skip = otherUserSkip();

test('reversal off over a default journal folder the service user cannot enter (EACCES): run --check warns, does not refuse', { skip }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-perm-'));
  chmodSync(dir, 0o755);
  const file = flowIn(dir);
  chmodSync(file, 0o644);
  const before = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = join(dir, 'state');
  const journalDir = defaultJournalDir('payments.bank');
  t.after(() => {
    if (before === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = before;
    chmodSync(journalDir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  });
  // Root's folder with mode 0700 (as a volume's lost+found), or mode 000 when this is not root.
  mkdirSync(journalDir, { recursive: true, mode: 0o755 });
  chmodSync(journalDir, AS_ROOT ? 0o700 : 0);
  const r = runAsOther(['run', file, '--check']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `warning: ${warning(journalDir, 'EACCES')}\nflow payments is valid\n`);
});

// The gateway's look into the per-user state folder ($XDG_STATE_HOME/iso8583) for journals a configuration change
// leaves owing refused configurations it must not: a flow's folder whose connector talks to a configured upstream's
// bank (taken for the gateway's by its marker's address); its own journal when --reversal-journal was spelled
// otherwise (a trailing `/`, a relative path, a symlink); another gateway's folder (live: read while it appends;
// stopped, for another bank: refused with advice to move that bank's reversals into this gateway's folder). Now the
// marker says who wrote it (`by`), folders compare by real path, a live folder is skipped with a warning naming the
// process, and a gateway folder owing a bank no upstream here is (ISO8583_WARN_JOURNAL_OTHER_UPSTREAM) a warning.
// The real binary, real files, a real live gateway holding the lock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countingListener, within } from '@iso8583/test-support';
import { BIN, seen } from './cli-process.js';
import { folder, journalWithReversal } from './helpers/owed-journal.js';

/** `iso8583 gateway --check-config ...args` with `XDG_STATE_HOME=state` (in `cwd`): its exit code and output. */
function check(state: string, args: string[], cwd?: string): { code: number | null; out: string } {
  const env = { ...process.env, XDG_STATE_HOME: state };
  const r = spawnSync(process.execPath, [BIN, 'gateway', '--check-config', ...args, '--no-transaction-log'], {
    env, encoding: 'utf8', input: '', timeout: 60_000, killSignal: 'SIGKILL', ...(cwd === undefined ? {} : { cwd }),
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Makes the state folder's `name` owe one reversal, its marker `marker` (none: `undefined`); returns the folder. */
async function owing(state: string, name: string, marker: Record<string, string> | undefined): Promise<string> {
  const dir = join(state, 'iso8583', name);
  mkdirSync(dir, { recursive: true });
  await journalWithReversal(dir);
  if (marker !== undefined) writeFileSync(join(dir, 'upstream.json'), `${JSON.stringify(marker)}\n`);
  return dir;
}

const valid = (r: { code: number | null; out: string }): void => {
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /config is valid/);
  assert.doesNotMatch(r.out, /ISO8583_ERR_/);
};

const group = ['--upstream', 'visa=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001'];

test('a flow\'s folder whose connector talks to a configured upstream\'s bank is not the gateway\'s', async (t) => {
  const state = folder(t, 'state');
  await owing(state, 'pay.bank', { upstream: '127.0.0.1:5000', by: 'flow' });
  // A flow's marker from before `by` was recorded, at a bank no upstream here is: its name (`FLOW.CONNECTOR`) tells.
  await owing(state, 'shop.bank', { upstream: '127.0.0.1:6001' });
  valid(check(state, group));
  valid(check(state, ['--upstream', '127.0.0.1:5000']));
});

test('a folder marked before `by`, named with a dot, at a configured bank: refused (an upstream `x.y` renamed) until a flow marks it', async (t) => {
  const state = folder(t, 'state');
  const shop = await owing(state, 'shop.bank', { upstream: '127.0.0.1:5001' });
  const r = check(state, group);
  assert.equal(r.code, 1, r.out);
  assert.ok(r.out.includes(`ISO8583_ERR_GATEWAY_CONFIG: --reversal-journal: the reversal journal ${join(shop, 'reversals.jsonl')} holds 1 entries`), r.out);
  // The flow's next start rewrites its marker with `by: flow`: no longer the gateway's.
  writeFileSync(join(shop, 'upstream.json'), `${JSON.stringify({ upstream: '127.0.0.1:5001', by: 'flow' })}\n`);
  valid(check(state, group));
});

test('a gateway\'s own journal, --reversal-journal spelled with a trailing slash, relative, or by a symlink, is not refused', async (t) => {
  const state = folder(t, 'state');
  const own = await owing(state, 'upstream', { upstream: '127.0.0.1:5000', by: 'gateway' });
  const lone = ['--upstream', '127.0.0.1:5000'];
  for (const r of [check(state, [...lone, '--reversal-journal', `${own}/`]), check(state, [...lone, '--reversal-journal', 'upstream'], join(state, 'iso8583'))]) {
    valid(r);
    assert.ok(r.out.includes(`the journal in ${own} holds 1 entries an earlier run left unsent`), r.out);
  }
  const link = join(folder(t, 'link'), 'journal');
  symlinkSync(own, link);
  valid(check(state, [...lone, '--reversal-journal', link]));
});

test('a stopped gateway\'s folder owing another bank: a warning naming it and that bank, never advice to move them here', async (t) => {
  const state = folder(t, 'state');
  const gw2 = await owing(state, 'gw2', { upstream: '127.0.0.1:6000', by: 'gateway' });
  const r = check(state, group);
  valid(r);
  assert.ok(r.out.includes(`warning: ISO8583_WARN_JOURNAL_OTHER_UPSTREAM: --reversal-journal (not given: the default state folder): the journal in ${gw2} holds 1 entries`), r.out);
  assert.ok(r.out.includes('for the upstream 127.0.0.1:6000 (its upstream.json)'), r.out);
  assert.ok(r.out.includes(`start a gateway pointed at 127.0.0.1:6000 with --reversal-journal ${gw2}`), r.out);
  assert.doesNotMatch(r.out, /move that/);
});

test('a live gateway\'s folder (its lock held) is not read: a warning naming its process, not a refusal', async (t) => {
  const state = folder(t, 'state');
  const bank = await countingListener(t);
  const gw2 = await owing(state, 'gw2', { upstream: `127.0.0.1:${bank.port}`, by: 'gateway' });
  const env = { ...process.env, XDG_STATE_HOME: state };
  const args = ['gateway', '--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', gw2, '--listen', '0', '--http', '0', '--no-transaction-log'];
  const live = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => live.kill('SIGKILL'));
  let stderr = '';
  live.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  // Listening means its journal is open and locked (gateway.ts: every durable store before any listener).
  await within(seen(live.stdout, /gateway listening/), 20_000, `the live gateway to listen: ${stderr}`);
  // This configuration names the live one's bank under another name: its folder would be refused if read.
  const r = check(state, ['--upstream', `visa=127.0.0.1:${bank.port}`, '--upstream', 'mc=127.0.0.1:5001']);
  valid(r);
  assert.ok(r.out.includes(`ISO8583_WARN_JOURNAL_IN_USE: --reversal-journal (not given: the default state folder): the journal folder ${gw2} is in use by process ${live.pid} (its reversals.lock)`), r.out);
});

test('a stopped gateway\'s folder holding a lock no live process of this machine holds (a newer version\'s) is read: refused', async (t) => {
  const state = folder(t, 'state');
  const visa = await owing(state, 'visa', { upstream: '127.0.0.1:5000', by: 'gateway' });
  writeFileSync(join(visa, 'reversals.lock'), `${JSON.stringify({ format: 99 })}\n`);
  const r = check(state, ['--upstream', 'visa2=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001']);
  assert.equal(r.code, 1, r.out);
  assert.ok(r.out.includes(`ISO8583_ERR_GATEWAY_CONFIG: --reversal-journal: the reversal journal ${join(visa, 'reversals.jsonl')} holds 1 entries`), r.out);
  assert.doesNotMatch(r.out, /in use by/);
});

test('a gateway started beside a stopped gateway\'s folder owing another bank logs the warning with its code as a field', async (t) => {
  const state = folder(t, 'state');
  await owing(state, 'gw2', { upstream: '127.0.0.1:6000', by: 'gateway' });
  const env = { ...process.env, XDG_STATE_HOME: state };
  const args = ['gateway', ...group, '--listen', '0', '--http', '0', '--no-transaction-log'];
  const gw = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => gw.kill('SIGKILL'));
  // The start's log (stderr, JSON lines): an operator alerting on the code finds the reversals owed there.
  const [line] = await within(seen(gw.stderr, /\{[^\n]*ISO8583_WARN_JOURNAL_OTHER_UPSTREAM[^\n]*\}\n/), 20_000, 'the stranded journal warning');
  const record = JSON.parse(line) as { level: number; code?: string; msg: string };
  assert.equal(record.level, 40);
  assert.equal(record.code, 'ISO8583_WARN_JOURNAL_OTHER_UPSTREAM');
  assert.match(record.msg, /^ISO8583_WARN_JOURNAL_OTHER_UPSTREAM: /);
});

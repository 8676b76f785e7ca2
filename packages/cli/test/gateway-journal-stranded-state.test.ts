// Without --reversal-journal the gateway journals in the per-user state folder ($XDG_STATE_HOME/iso8583): `upstream`
// for one upstream, `<name>` for each upstream of a group. A change of configuration that leaves one of those folders
// unread while its journal still owes a reversal (a group back to one upstream, an upstream renamed, the default folder
// left for --reversal-journal) is refused as under --reversal-journal, by --check-config and by the start; it used to
// print "config is valid" and start, the reversal never sent. One owing a bank no upstream here is (a removed upstream,
// or another gateway's folder: one cannot tell) is a warning. A flow's journal in the same state folder
// (`FLOW.CONNECTOR`) is not the gateway's and does not stop it. The real binary, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from './cli-process.js';
import { folder, journalWithReversal } from './helpers/owed-journal.js';

/**
 * `iso8583 gateway ...args` with `XDG_STATE_HOME=state`: its exit code and output. A gateway that starts (the defect)
 * never exits by itself: it is stopped after 60 s (SIGKILL: code null), which fails the test's exit-code check.
 */
function gateway(state: string, args: string[]): { code: number | null; out: string } {
  const env = { ...process.env, XDG_STATE_HOME: state };
  const r = spawnSync(process.execPath, [BIN, 'gateway', ...args, '--no-transaction-log'], { env, encoding: 'utf8', input: '', timeout: 60_000, killSignal: 'SIGKILL' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * A state folder whose gateway folder `name` owes one reversal, recorded for 127.0.0.1:5000 `by` the gateway (`null`: a
 * marker from before `by` was recorded; not `undefined`, which takes the default).
 */
async function stateOwing(t: { after: (fn: () => void) => void }, name: string, address = '127.0.0.1:5000', by: string | null = 'gateway'): Promise<string> {
  const state = folder(t, 'state');
  const dir = join(state, 'iso8583', name);
  mkdirSync(dir, { recursive: true });
  await journalWithReversal(dir);
  writeFileSync(join(dir, 'upstream.json'), `${JSON.stringify(by === null ? { upstream: address } : { upstream: address, by })}\n`);
  return state;
}

const refused = (r: { code: number | null; out: string }, dir: string, flag = '--reversal-journal'): void => {
  assert.equal(r.code, 1, r.out);
  assert.ok(r.out.includes(`ISO8583_ERR_GATEWAY_CONFIG: ${flag}: the reversal journal `), r.out);
  assert.ok(r.out.includes(join(dir, 'reversals.jsonl')), r.out);
  assert.doesNotMatch(r.out, /config is valid/);
};

test('a group upstream\'s default folder owing a reversal: back to one upstream, renamed are refused; removed, a warning', async (t) => {
  const state = await stateOwing(t, 'visa');
  const visa = join(state, 'iso8583', 'visa');
  const check = (...args: string[]) => gateway(state, ['--check-config', ...args]);
  // The configuration that wrote it starts (and sends it).
  const same = check('--upstream', 'visa=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001');
  assert.equal(same.code, 0, same.out);
  assert.match(same.out, /config is valid/);
  refused(check('--upstream', '127.0.0.1:5000'), visa);
  refused(check('--upstream', 'visa2=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001'), visa);
  // Its bank no upstream here: a removed upstream cannot be told from another gateway's folder (not refused).
  const removed = check('--upstream', 'amex=127.0.0.1:5002', '--upstream', 'mc=127.0.0.1:5001');
  assert.equal(removed.code, 0, removed.out);
  assert.ok(removed.out.includes(`ISO8583_WARN_JOURNAL_OTHER_UPSTREAM: --reversal-journal (not given: the default state folder): the journal in ${visa} holds`), removed.out);
  refused(check('--upstream', 'visa2=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001', '--no-reversal'), visa, '--no-reversal');
});

test('the default `upstream` folder owing a reversal, then --reversal-journal elsewhere: refused', async (t) => {
  const state = await stateOwing(t, 'upstream');
  const elsewhere = folder(t, 'new');
  refused(gateway(state, ['--check-config', '--upstream', '127.0.0.1:5000', '--reversal-journal', elsewhere]), join(state, 'iso8583', 'upstream'));
});

test('an upstream with a dot in its name, renamed: found by the address its folder records', async (t) => {
  const state = await stateOwing(t, 'visa.eu');
  refused(gateway(state, ['--check-config', '--upstream', 'visa2=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001']), join(state, 'iso8583', 'visa.eu'));
});

test('an upstream with a dot in its name, its marker from before `by`, renamed after an upgrade: refused by its address', async (t) => {
  // A gateway of an earlier version wrote `{"upstream":"H:P"}` only: the dot alone does not make it a flow's.
  const state = await stateOwing(t, 'visa.eu', '127.0.0.1:5000', null);
  refused(gateway(state, ['--check-config', '--upstream', 'visa2=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001']), join(state, 'iso8583', 'visa.eu'));
});

test('a flow\'s journal in the state folder (FLOW.CONNECTOR) owing another bank does not stop the gateway', async (t) => {
  const state = await stateOwing(t, 'pay.bank', '127.0.0.1:6000', 'flow');
  const r = gateway(state, ['--check-config', '--upstream', 'visa=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /config is valid/);
});

test('the start refuses too: exit 1, nothing started', async (t) => {
  const state = await stateOwing(t, 'visa');
  const r = gateway(state, ['--upstream', 'visa2=127.0.0.1:5000', '--upstream', 'mc=127.0.0.1:5001', '--listen', '0', '--http', '0']);
  refused(r, join(state, 'iso8583', 'visa'));
});

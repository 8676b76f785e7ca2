// Every lone-upstream gateway of a user journals in one default folder (`upstream` in the per-user state folder),
// whatever its --upstream: a gateway started at another bank sent the first's owed reversal (card number and all) to
// its own bank. Now the start records its upstream in the folder (upstream.json), and `gateway --check-config` and the
// start refuse a link whose journal still owes entries recorded for another upstream (ISO8583_ERR_GATEWAY_CONFIG
// naming --upstream and the folder), as `run` does (journal-upstream.ts). Real files, the real `iso8583` binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultJournalDir, owedInJournalSync } from '@iso8583/connector';
import { spawn } from 'node:child_process';
import { countingListener, within } from '@iso8583/test-support';
import { BIN, runCli, seen } from './cli-process.js';
import { journalWithReversal } from './helpers/owed-journal.js';
import { stateHome } from './helpers/state-home.js';

const ports = ['--listen', '0', '--http', '0', '--no-transaction-log'];

/** Starts `iso8583 gateway ...args`: `ready` once it listens (then stopped), else its stderr as it ended. */
async function started(t: { after: (fn: () => void) => void }, args: string[]): Promise<{ ready: boolean; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [BIN, 'gateway', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // `seen` rejects when stdout ends without the line (the start refused); `within` bounds a start that hangs.
  const ready = await within(seen(child.stdout, /gateway listening/).then(() => true, () => false), 20_000, `the gateway to listen or end: ${stderr}`);
  if (ready) child.kill('SIGTERM');
  const code = await within(exited, 20_000, 'the gateway to exit');
  return { ready, stderr, code };
}

test('a gateway over the default journal owing another upstream a reversal: --check-config and the start refuse', async (t) => {
  stateHome(t, 'gateway-upstream');
  const other = await countingListener(t);
  const journalDir = defaultJournalDir('upstream');
  await journalWithReversal(journalDir);
  writeFileSync(join(journalDir, 'upstream.json'), `${JSON.stringify({ upstream: '127.0.0.1:9' })}\n`);
  const text = `--upstream: the journal in ${journalDir} holds 1 entries an earlier run left unsent (1 reversals owed) for the upstream 127.0.0.1:9 (its upstream.json), not 127.0.0.1:${other.port}`;
  const check = await runCli(['gateway', '--check-config', '--upstream', `127.0.0.1:${other.port}`, ...ports]);
  assert.notEqual(check.code, 0, check.stdout);
  assert.ok(check.stderr.includes('ISO8583_ERR_GATEWAY_CONFIG') && check.stderr.includes(text), check.stderr);
  const run = await started(t, ['--upstream', `127.0.0.1:${other.port}`, ...ports]);
  assert.equal(run.ready, false, 'not started');
  assert.ok(run.stderr.includes('ISO8583_ERR_GATEWAY_CONFIG') && run.stderr.includes(text), run.stderr);
  assert.equal(owedInJournalSync(journalDir).owed, 1);
  assert.equal(await other.accepted(), 0, `the other bank was never reached (it got ${other.received().length} bytes)`);
});

test('a gateway start records its upstream in its journal folder', async (t) => {
  stateHome(t, 'gateway-upstream');
  const run = await started(t, ['--upstream', '127.0.0.1:9', ...ports]);
  assert.ok(run.ready && run.code === 0, run.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(defaultJournalDir('upstream'), 'upstream.json'), 'utf8')), { upstream: '127.0.0.1:9', by: 'gateway' });
});

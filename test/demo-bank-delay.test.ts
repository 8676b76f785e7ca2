/**
 * `iso8583 demo --once --bank-delay MS` with a bank slower than the gateway's `--request-timeout`, with the real binary:
 * the POS waits longer than the gateway (3 s more), so it gets the gateway's 68 (its help promises it) instead of timing
 * out first; the reversal the bank never answers is said to be dropped with the demo's temporary bank and journal, and
 * its folder is gone. (The POS gave up at the gateway's 5 s too: "failed: ISO8583_ERR_CONNECTOR_TIMEOUT", no 68 shown,
 * and the last line said the entries were kept in a folder the demo then removed.) `--request-timeout 1000`, not the
 * demo's 5000: the same order of timeouts, a second each instead of five (the stop waits as long for the reversal).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, killOnExit } from './helpers/cli.js';

test('demo --bank-delay past the gateway timeout shows the 68, and says the unanswered reversal is dropped', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'iso8583-demo-delay-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const samples = join(tmp, 'samples.json');
  // 6 s: past the gateway's 1 s and the stop's 1 s for the reversal (gone before the bank answers it, whatever the
  // machine's speed), and no longer, since the simulated bank's pending answers keep the process alive until they fire.
  writeFileSync(samples, JSON.stringify([
    { title: 'slow purchase', message: { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '2500', '7': '${transmissionTime}', '11': '000001', '14': '3012', '41': 'DEMO0001', '49': '840' } },
  ]));
  const child = spawn(process.execPath, [BIN, 'demo', '--once', '--request-timeout', '1000', '--bank-delay', '6000', '--transactions', samples], {
    env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.match(stdout, /== slow purchase[\s\S]*?=> response code 68/, stdout);
  assert.doesNotMatch(stdout, /failed: ISO8583_ERR_CONNECTOR_TIMEOUT/, 'the POS does not give up before the gateway answers');
  assert.match(stdout, /^1 reversal the bank never answered: dropped with the demo's temporary bank and journal/m, stdout);
  assert.match(stdout, /demo done \(all samples answered\)\n$/);
  assert.doesNotMatch(stdout, /4111111111111111/, 'the PAN never appears in full');
  assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('iso8583-demo-')), [], 'the journal folder is removed');
});

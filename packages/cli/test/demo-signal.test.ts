// `iso8583 demo`: Ctrl-C while the samples are being sent stops the demo and removes its temporary journal folder
// (whose reversals would hold the samples' card numbers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './cli-process.js';

test('demo --once stopped by SIGINT while a sample waits for its answer leaves no journal folder behind', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'iso8583-demo-signal-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  // The first sample (an 0630, an MTI with no response MTI) is one the simulated bank never answers: the demo waits
  // for it the POS connector's whole 5 s timeout, and is still sending when the signal comes, whatever the speed of
  // the machine. (An 0600 was answered 12 at once: the signal then raced the next sample.)
  const samples = join(tmp, 'samples.json');
  writeFileSync(samples, JSON.stringify([
    { title: 'unanswered', message: { '0': '0630', '11': '000009', '41': 'DEMO0001' } },
    { title: 'purchase', message: { '0': '0200', '2': '4761739001010010', '3': '000000', '4': '2500', '11': '000010', '14': '3012', '41': 'DEMO0001', '49': '840' } },
  ]));
  const env = { ...process.env, TMPDIR: tmp };
  const child = spawn(process.execPath, [BIN, 'demo', '--once', '--transactions', samples], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (stdout.includes('== unanswered\n')) resolve();
    });
  });
  assert.ok(readdirSync(tmp).some((n) => n.startsWith('iso8583-demo-')), 'the journal folder exists while the demo runs');
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 0, stderr);
  assert.match(stdout, /SIGINT: stopping/);
  assert.doesNotMatch(stdout, /== purchase/, 'no sample is sent after the signal');
  assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('iso8583-demo-')), [], 'the journal folder is removed');
});

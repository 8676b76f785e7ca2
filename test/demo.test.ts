/** `npm start` (the demo) with --once: every sample answered, card data masked, exit 0; a refused sample says why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

const run = promisify(execFile);

test('npm start -- --once runs the demo: purchase, declined purchase, reversal and echo, card data masked', async () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await run(npm, ['start', '--silent', '--', '--once'], { cwd: repoRoot(), env: { ...process.env, npm_config_loglevel: 'silent' } });
  assert.match(stdout, /bank \(host simulator\) listening on 127\.0\.0\.1:\d+/);
  assert.match(stdout, /gateway listening pos=127\.0\.0\.1:\d+ http=127\.0\.0\.1:\d+/);
  assert.match(stdout, /== Purchase of 25\.00 USD \(approved\)[\s\S]*?=> response code 00/);
  assert.match(stdout, /== Purchase of 999,999\.99 USD \(declined: insufficient funds\)[\s\S]*?=> response code 51/);
  assert.match(stdout, /== Reversal[\s\S]*?=> response code 00/);
  assert.match(stdout, /== Echo test[\s\S]*?=> response code 00/);
  assert.match(stdout, /demo done \(all samples answered\)/);
  assert.match(stdout, /411111\*+1111/, 'the PAN is shown masked');
  assert.doesNotMatch(stdout, /4111111111111111|5500000000000004/, 'the PAN never appears in full');
});

test('demo --once --transactions with a sample the codec refuses prints the code and the reason naming the field, never the value', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-demo-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify([{ title: 'bad amount', message: { 0: '0200', 2: '4761739001010010', 4: 'abc', 11: '000001', 41: 'T1' } }]));
  const bin = join(repoRoot(), 'packages', 'cli', 'bin', 'iso8583.js');
  const failed = await run(process.execPath, [bin, 'demo', '--once', '--transactions', file]).then(
    () => assert.fail('a failed sample exits 1'),
    (err: { code?: number; stdout?: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stdout ?? '', /== bad amount\n {2}failed: ISO8583_ERR_INVALID_MESSAGE: .*\b4\b/);
  assert.doesNotMatch(failed.stdout ?? '', /request:\n\s*\n/, 'no empty request block');
  assert.doesNotMatch(failed.stdout ?? '', /4761739001010010|abc/, 'neither the PAN nor the value');
});

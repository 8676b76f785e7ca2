/** `npm start` (the demo) with --once: every sample answered, card data masked, exit 0. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
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

// Two upstreams of one gateway at the same address (`a=127.0.0.1:46101 b=127.0.0.1:46101`, or `localhost` for one of
// them) are one bank under two names: its reversals and in-flight records would be kept apart, so a repeat or a
// reversal could reach it as the other's. Refused by --check-config (and the start), naming the flag or the file's key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

test('gateway: two upstreams at the same address are refused, by flag and in the config file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-same-address-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journal = ['--reversal-journal', join(dir, 'journal')];
  const flags = await runCli(['gateway', '--upstream', 'a=127.0.0.1:46101', '--upstream', 'b=localhost:46101', ...journal, '--check-config']);
  assert.equal(flags.code, 1, flags.stdout);
  assert.match(flags.stderr, /ISO8583_ERR_GATEWAY_CONFIG: upstreams "a" and "b" have the same address localhost:46101/);

  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ upstreams: [{ name: 'a', upstream: '127.0.0.1:46101' }, { name: 'b', upstream: '127.0.0.1:46101' }] }));
  const fromFile = await runCli(['gateway', '--config', file, ...journal, '--check-config']);
  assert.equal(fromFile.code, 1, fromFile.stdout);
  assert.match(fromFile.stderr, /ISO8583_ERR_GATEWAY_CONFIG: .*\/upstreams\/1\/upstream: upstreams "a" and "b" have the same address 127\.0\.0\.1:46101/);

  const apart = await runCli(['gateway', '--upstream', 'a=127.0.0.1:46101', '--upstream', 'b=127.0.0.2:46101', ...journal, '--check-config']);
  assert.equal(apart.code, 0, apart.stderr);
});

/**
 * `npm run fuzz` (scripts/fuzz.mjs) is never silent: a line as each fuzz file starts and ends, with its time, and a
 * heartbeat while one runs; a run of few cases of the *-fuzz files here, the same script as the long one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

test('scripts/fuzz.mjs prints each file as it starts and as it passes, and a total', () => {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'fuzz.mjs'), '3', '-fuzz.test.js'], {
    cwd: repoRoot(),
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ISO8583_FUZZ_HEARTBEAT: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('fuzz: '));
  const total = /^fuzz: (\d+) file\(s\), ISO8583_FUZZ_RUNS=3$/.exec(lines[0] ?? '');
  assert.ok(total !== null, r.stdout);
  const n = Number(total[1]);
  assert.ok(n >= 1);
  for (let i = 1; i <= n; i++) {
    assert.ok(lines.some((l) => l.startsWith(`fuzz: [${i}/${n}] `) && l.endsWith('.test.js')), `file ${i} announced`);
    assert.ok(lines.some((l) => new RegExp(`^fuzz: \\[${i}/${n}\\] passed in [\\d.]+ s$`).test(l)), `file ${i} passed`);
  }
  assert.match(lines[lines.length - 1] ?? '', new RegExp(`^fuzz: ${n} of ${n} file\\(s\\) passed in [\\d.]+ s$`));
});

/**
 * `npm run fuzz` (scripts/fuzz.mjs) is never silent: a line as each fuzz file starts and ends, with its time, and a
 * heartbeat while one runs; a run of few cases of one fuzz file here, the same script as the long one. The inner
 * `node --test` really runs that file, though this test runs under `node --test` (NODE_TEST_CONTEXT set: left to it,
 * the inner run would run no file and still pass): its own summary must count tests, all of them passed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

// Seed 3 with 3 runs drew only mutated documents that the scanner hands over: xml-scan-fuzz failed its share check
// when it counted that share on the property's own runs (it now counts it on a fixed sample of its own).
const SEED = '3';

test('scripts/fuzz.mjs runs the file for real, prints it as it starts and as it passes, and a total', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, ISO8583_FUZZ_HEARTBEAT: '0', ISO8583_FUZZ_SEED: SEED };
  delete env.ISO8583_FUZZ_PATH;
  const r = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'fuzz.mjs'), '3', 'xml-scan-fuzz.test.js'], {
    cwd: repoRoot(),
    encoding: 'utf8',
    timeout: 120_000,
    env,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('fuzz: '));
  assert.equal(lines[0], `fuzz: 1 file(s), ISO8583_FUZZ_RUNS=3, ISO8583_FUZZ_SEED=${SEED}`, r.stdout);
  assert.ok(lines.some((l) => /^fuzz: \[1\/1\] \S+xml-scan-fuzz\.test\.js$/.test(l)), `file announced\n${r.stdout}`);
  assert.ok(lines.some((l) => /^fuzz: \[1\/1\] passed in [\d.]+ s$/.test(l)), `file passed\n${r.stdout}`);
  assert.match(lines[lines.length - 1] ?? '', /^fuzz: 1 of 1 file\(s\) passed in [\d.]+ s$/);

  // The inner run's own summary (the spec reporter's): it ran the file's tests, and every one passed.
  const count = (name: string) => {
    const found = new RegExp(`^ℹ ${name} (\\d+)$`, 'm').exec(r.stdout);
    assert.ok(found !== null, `no "ℹ ${name}" line: the inner node --test ran no file\n${r.stdout}`);
    return Number(found[1]);
  };
  const tests = count('tests');
  assert.ok(tests >= 1, `the inner run ran ${tests} tests\n${r.stdout}`);
  assert.equal(count('pass'), tests, r.stdout);
  assert.equal(count('fail'), 0, r.stdout);
  assert.match(r.stdout, /^✔ xml scanner – iso87ascii: fromXml of toXml output and of mutations of it equals the full parser/m);
});

/**
 * `npm run fuzz` (scripts/fuzz.mjs) is never silent: a line as each fuzz file starts and ends, with its time, and a
 * heartbeat while one runs; a run of few cases of two small fuzz files here, the same script as the long one. The
 * inner `node --test` really runs each file, though this test runs under `node --test` (NODE_TEST_CONTEXT set: left
 * to it, the inner run would run no file and still pass): its own summary must count tests, all of them passed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

// Seed 11 with 3 runs drew, in each of the two files, only mutated documents the scanner hands over (or none): both
// failed their share check when they counted that share on the property's own runs (now on a fixed sample of their own).
const SEED = '11';
const FILES = ['xml-scan-fuzz.test.js', 'xml-scan-patterns.test.js'];

test('scripts/fuzz.mjs runs the files for real, prints each as it starts and as it passes, and a total', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, ISO8583_FUZZ_HEARTBEAT: '0', ISO8583_FUZZ_SEED: SEED };
  delete env.ISO8583_FUZZ_PATH;
  const r = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'fuzz.mjs'), '3', ...FILES], {
    cwd: repoRoot(),
    encoding: 'utf8',
    timeout: 120_000,
    env,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('fuzz: '));
  const n = FILES.length;
  assert.equal(lines[0], `fuzz: ${n} file(s), ISO8583_FUZZ_RUNS=3, ISO8583_FUZZ_SEED=${SEED}`, r.stdout);
  for (let i = 1; i <= n; i++) {
    assert.ok(lines.some((l) => l.startsWith(`fuzz: [${i}/${n}] `) && l.endsWith('.test.js')), `file ${i} announced\n${r.stdout}`);
    assert.ok(lines.some((l) => new RegExp(`^fuzz: \\[${i}/${n}\\] passed in [\\d.]+ s$`).test(l)), `file ${i} passed\n${r.stdout}`);
  }
  assert.match(lines[lines.length - 1] ?? '', new RegExp(`^fuzz: ${n} of ${n} file\\(s\\) passed in [\\d.]+ s$`));

  // Each inner run's own summary (the spec reporter's): it ran its file's tests, and every one passed.
  const counts = (name: string) => {
    const found = [...r.stdout.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, 'gm'))].map((m) => Number(m[1]));
    assert.equal(found.length, n, `${found.length} "ℹ ${name}" lines for ${n} files: an inner node --test ran no file\n${r.stdout}`);
    return found;
  };
  const tests = counts('tests');
  assert.ok(tests.every((t) => t >= 1), `tests run per file: ${tests.join(', ')}\n${r.stdout}`);
  assert.deepStrictEqual(counts('pass'), tests, r.stdout);
  assert.deepStrictEqual(counts('fail'), [0, 0], r.stdout);
  assert.match(r.stdout, /^✔ xml scanner – iso87ascii: fromXml of toXml output and of mutations of it equals the full parser/m);
  assert.match(r.stdout, /^✔ xml scanner – a list of ids with its expression reads every document as the full parser does/m);
});

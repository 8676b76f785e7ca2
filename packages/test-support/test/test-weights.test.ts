// scripts/test-groups.mjs splits the suite into groups (one process each) by each file's seconds in
// scripts/test-weights.json, at most GROUP_SECONDS a group, longest first; a file it does not list counts as the
// median file. That is right for the few files added since the weights were made, not for most of them: with two
// fifths of the files listed (December 2026) the bound was blind for the rest, a 15 s file counted as about 1 s.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../src/vectors.js';

/** The roots scripts/compiled-files.mjs runs the compiled tests of (`TEST_ROOTS`). */
const ROOTS = ['packages/codec', 'packages/metrics', 'packages/connector', 'packages/inbound', 'packages/cli', 'packages/test-support', 'test', 'examples'];

/** Share of the test files the weights must list. */
const LISTED = 0.9;

/** The `*.test.ts` sources under `dir` (no build output, no dependencies). */
function testSources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testSources(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

test(`scripts/test-weights.json lists at least ${LISTED * 100}% of the test files (their compiled paths)`, () => {
  const root = repoRoot();
  const weights = JSON.parse(readFileSync(join(root, 'scripts', 'test-weights.json'), 'utf8')) as Record<string, number>;
  const compiled = ROOTS.flatMap((r) => testSources(join(root, r)).map((source) => `${r}/dist/${relative(join(root, r), source).replace(/\.ts$/, '.js')}`));
  assert.ok(compiled.length > 100, `the scan found the test files (${compiled.length}: it looks in the wrong place)`);
  const missing = compiled.filter((file) => weights[file] === undefined);
  assert.ok(
    missing.length <= compiled.length * (1 - LISTED),
    `${missing.length} of ${compiled.length} test files have no weight (e.g. ${missing.slice(0, 3).join(', ')}): ` +
      'node scripts/test.mjs --times PROFILE, then node scripts/test-weights.mjs PROFILE',
  );
  assert.ok(Object.values(weights).every((s) => Number.isFinite(s) && s >= 0), 'every weight is a number of seconds');
});

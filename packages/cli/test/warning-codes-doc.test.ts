// Every warning code the command's sources log (`ISO8583_WARN_*` in packages/cli/src) is told in docs/errors.md, where
// a user looks a code up: ISO8583_WARN_LOG_LINES_DROPPED, a line of the gateway's log file, was told in
// operations.md only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';

/** The `.ts` files under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

test('every ISO8583_WARN_ code of the command\'s sources is in docs/errors.md', () => {
  const codes = new Set<string>();
  for (const file of sources(join(repoRoot(), 'packages', 'cli', 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/ISO8583_WARN_[A-Z0-9_]+/g)) codes.add(m[0]);
  }
  assert.ok(codes.has('ISO8583_WARN_LOG_LINES_DROPPED'), 'the scan sees the log file\'s code');
  const doc = readFileSync(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const missing = [...codes].filter((code) => !new RegExp(`\`${code}\``).test(doc));
  assert.deepEqual(missing, [], 'warning codes missing from docs/errors.md');
});

// CONSOLE_ERROR_CODES and the "iso8583 console" section of docs/errors.md, kept in sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { CONSOLE_ERROR_CODES } from '../src/index.js';

function documented(): Map<string, string> {
  const text = readFileSync(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const start = text.indexOf('\n## iso8583 console\n');
  assert.ok(start >= 0, 'docs/errors.md has a section "## iso8583 console"');
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  return new Map([...section.matchAll(/^\| *`([A-Z0-9_]+)` *\| *([^|]+?) *\|/gm)].map((m) => [m[1] as string, m[2] as string]));
}

test('every code of CONSOLE_ERROR_CODES has a row with the same meaning in docs/errors.md, and no row is extra', () => {
  const rows = documented();
  assert.deepEqual([...rows.keys()].sort(), Object.keys(CONSOLE_ERROR_CODES).sort());
  for (const [code, meaning] of Object.entries(CONSOLE_ERROR_CODES)) assert.equal(rows.get(code), meaning, code);
});

test('every console code raised in the sources is in CONSOLE_ERROR_CODES', () => {
  const folder = join(repoRoot(), 'packages', 'cli', 'src', 'console');
  const raised = new Set<string>();
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(join(folder, file), 'utf8').matchAll(/'(ISO8583_ERR_CONSOLE_[A-Z_]+)'/g)) raised.add(m[1] as string);
  }
  assert.ok(raised.size > 0);
  for (const code of raised) assert.ok(Object.hasOwn(CONSOLE_ERROR_CODES, code), code);
});

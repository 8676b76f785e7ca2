// The command's own error codes, CLI_ERROR_CODES and the "iso8583 (CLI)" section of docs/errors.md, kept in sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { CLI_ERROR_CODES } from '../src/index.js';

/** Code -> meaning of the table rows of the `## iso8583 (CLI)` section. */
function documented(): Map<string, string> {
  const text = readFileSync(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const start = text.indexOf('\n## iso8583 (CLI)\n');
  assert.ok(start >= 0, 'docs/errors.md has a section "## iso8583 (CLI)"');
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  return new Map([...section.matchAll(/^\| *`([A-Z0-9_]+)` *\| *([^|]+?) *\|/gm)].map((m) => [m[1] as string, m[2] as string]));
}

test('every code of CLI_ERROR_CODES has a row with the same meaning in docs/errors.md, and no row is extra', () => {
  const rows = documented();
  assert.deepEqual([...rows.keys()].sort(), Object.keys(CLI_ERROR_CODES).sort());
  for (const [code, meaning] of Object.entries(CLI_ERROR_CODES)) assert.equal(rows.get(code), meaning, code);
});

test('every code the command\'s sources raise is in CLI_ERROR_CODES', () => {
  const root = join(repoRoot(), 'packages', 'cli', 'src');
  const files = ['args.ts', 'flags.ts', 'io.ts', 'main.ts', 'commands/decode.ts', 'commands/encode.ts', 'commands/send.ts',
    'commands/simulate-host.ts', 'commands/load.ts', 'load/runner.ts'];
  const raised = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(/'(ISO8583_ERR_CLI_[A-Z_]+)'/g)) raised.add(m[1] as string);
  }
  assert.ok(raised.size > 0);
  for (const code of raised) assert.ok(Object.hasOwn(CLI_ERROR_CODES, code), code);
});

// The one-line summaries of the `iso8583` command: the general help's line says both dialect families the codec
// supports (1987 and 1993), and the package's description names every command the help lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { COMMAND_NAMES, usage } from '../src/main.js';

test('the general help says ISO 8583 1987 and 1993, not 1987 alone', () => {
  const summary = usage().split('\n')[2] as string;
  assert.match(summary, /1987 and 1993/);
  assert.doesNotMatch(summary, /8583:1987 toolkit/);
});

test("the cli package's description names every command", () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'packages', 'cli', 'package.json'), 'utf8')) as { description: string };
  const named = pkg.description.replace(/^[^:]*:/, '').split(',').map((s) => s.trim());
  assert.deepEqual([...named].sort(), [...COMMAND_NAMES].sort());
});

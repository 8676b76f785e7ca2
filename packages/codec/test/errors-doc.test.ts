import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { CODEC_ERROR_CODES } from '../src/index.js';

/** The codes in the first column of the table rows of one `## ` section of docs/errors.md. */
function documentedCodes(heading: string): string[] {
  const text = readFileSync(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const start = text.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/errors.md has a section "## ${heading}"`);
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^\| *`([A-Z0-9_]+)` *\|/gm)].map((m) => m[1]!);
}

test('every codec error code has a row in the codec section of docs/errors.md', () => {
  const documented = new Set(documentedCodes('`@iso8583/codec`'));
  const missing = Object.keys(CODEC_ERROR_CODES).filter((code) => !documented.has(code));
  assert.deepEqual(missing, []);
});

test('every row of the codec section of docs/errors.md is a real codec error code, listed once', () => {
  const rows = documentedCodes('`@iso8583/codec`');
  const unknown = rows.filter((code) => !Object.hasOwn(CODEC_ERROR_CODES, code));
  assert.deepEqual(unknown, []);
  assert.equal(new Set(rows).size, rows.length, 'no code is listed twice');
});

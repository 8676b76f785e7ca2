// CONNECTOR_LOG_CODES (the journal's log codes) and their table in docs/errors.md stay in sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { CONNECTOR_LOG_CODES } from '../src/index.js';

test('every journal log code has exactly one row in docs/errors.md, with the same level and meaning', () => {
  const text = readFileSync(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const rows = [...text.matchAll(/^\| *`(ISO8583_WARN_[A-Z0-9_]+)` *\| (.*) \|$/gm)].map((m) => [m[1] as string, m[2] as string]);
  assert.deepEqual(rows.map(([code]) => code).sort(), Object.keys(CONNECTOR_LOG_CODES).sort());
  for (const [code, meaning] of rows) assert.equal(meaning, CONNECTOR_LOG_CODES[code as keyof typeof CONNECTOR_LOG_CODES]);
});

// CONNECTOR_ERROR_CODES, the connector section of docs/errors.md and the HTTP statuses of the routes stay in sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Iso8583Error } from '@iso8583/codec';
import type { Iso8583ErrorCode } from '@iso8583/codec';
import { repoRoot } from '@iso8583/test-support';
import { CONNECTOR_ERROR_CODES, httpStatusOf } from '../src/index.js';

function rows(): { code: string; meaning: string; http: string }[] {
  const text = readFileSync(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const start = text.indexOf('\n## `@iso8583/connector`\n');
  assert.ok(start >= 0, 'docs/errors.md has a connector section');
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  return [...section.matchAll(/^\| *`([A-Z0-9_]+)` *\| (.*) \| *([0-9-]+) *\|$/gm)].map((m) => ({
    code: m[1] as string,
    meaning: m[2] as string,
    http: m[3] as string,
  }));
}

test('every connector error code has exactly one row in docs/errors.md, with the same meaning', () => {
  const documented = rows();
  assert.deepEqual(documented.map((r) => r.code).sort(), Object.keys(CONNECTOR_ERROR_CODES).sort());
  for (const r of documented) assert.equal(r.meaning, CONNECTOR_ERROR_CODES[r.code as keyof typeof CONNECTOR_ERROR_CODES]);
});

test('the HTTP column of docs/errors.md is the status the routes answer with', () => {
  for (const r of rows()) {
    if (r.http === '-') continue;
    assert.equal(String(httpStatusOf(new Iso8583Error(r.code as Iso8583ErrorCode, 'x'))), r.http, r.code);
  }
  assert.equal(httpStatusOf(new Iso8583Error('ISO8583_ERR_INVALID_MESSAGE', 'x')), 400);
  assert.equal(httpStatusOf(new Error('no code')), 500);
});

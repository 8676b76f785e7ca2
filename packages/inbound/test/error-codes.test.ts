import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { INBOUND_ERROR_CODES } from '../src/index.js';

function inboundSection(): string {
  const doc = readFileSync(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const start = doc.indexOf('## `@iso8583/inbound`');
  assert.ok(start !== -1, 'docs/errors.md has an @iso8583/inbound section');
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next === -1 ? undefined : next);
}

test('error codes – docs/errors.md has one row per code of INBOUND_ERROR_CODES, with the same meaning', () => {
  const rows = [...inboundSection().matchAll(/^\| `(ISO8583_ERR_INBOUND_\w+)` \| (.*?) \| [^|]* \|$/gm)];
  assert.deepEqual(rows.map((r) => r[1]), Object.keys(INBOUND_ERROR_CODES));
  for (const row of rows) assert.equal(row[2], INBOUND_ERROR_CODES[row[1] as keyof typeof INBOUND_ERROR_CODES]);
});

test('error codes – every ISO8583_WARN_ code the sources log is told in the inbound section of docs/errors.md', () => {
  const dir = join(repoRoot(), 'packages', 'inbound', 'src');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const codes = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/ISO8583_WARN_[A-Z0-9_]+/g)) codes.add(m[0]);
  }
  assert.ok(codes.has('ISO8583_WARN_INBOUND_FD_LIMIT'), 'the scan sees the descriptor limit\'s code');
  const section = inboundSection();
  assert.deepEqual([...codes].filter((code) => !section.includes(`\`${code}\``)), [], 'warning codes missing from docs/errors.md');
});

test('error codes – every code the sources use is in INBOUND_ERROR_CODES', () => {
  const dir = join(repoRoot(), 'packages', 'inbound', 'src');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && f !== 'errors.ts');
  const used = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/ISO8583_ERR_INBOUND_[A-Z_]+/g)) used.add(m[0]);
  }
  for (const code of used) assert.ok(code in INBOUND_ERROR_CODES, `${code} is listed`);
  for (const code of Object.keys(INBOUND_ERROR_CODES)) assert.ok(used.has(code), `${code} is used`);
});

// docs/flows.md says what `iso8583 run` does: its example of a broken flow file prints what the document shows, and
// its tables name every key a flow file accepts (top-level keys, and every option of an inbound endpoint).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { flowSchema } from '../src/index.js';
import { BIN } from './cli-process.js';

const doc = readFileSync(join(repoRoot(), 'docs', 'flows.md'), 'utf8');

/** The body of the first fenced block (```LANG) after `marker`. */
function blockAfter(marker: string, lang: string): string {
  const from = doc.indexOf(marker);
  assert.ok(from >= 0, `docs/flows.md has "${marker}"`);
  const open = doc.indexOf('```' + lang + '\n', from);
  const close = doc.indexOf('\n```', open + 4 + lang.length);
  return doc.slice(open + 4 + lang.length, close + 1);
}

/** The backquoted words of the table row that starts with `| \`KEY\``. */
function rowKeys(key: string): string[] {
  const row = doc.split('\n').find((l) => l.startsWith(`| \`${key}\``));
  assert.ok(row !== undefined, `docs/flows.md has a row for ${key}`);
  return [...row.matchAll(/`([A-Za-z.]+)`/g)].map((m) => m[1] as string);
}

test('docs/flows.md – the broken flow file of the example prints the problems the document shows', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-doc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'flows'));
  writeFileSync(join(dir, 'flows', 'broken.json'), blockAfter('For `flows/broken.json`:', 'json'));
  const r = spawnSync(process.execPath, [BIN, 'run', 'flows/broken.json', '--check'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, blockAfter('`iso8583 run flows/broken.json --check` prints', ''));
});

test('docs/flows.md – the inboundEndpoints.NAME row names every endpoint option a flow file accepts, and no other', () => {
  const schema = flowSchema() as { properties: { inboundEndpoints: { additionalProperties: { properties: Record<string, unknown> } } } };
  const accepted = Object.keys(schema.properties.inboundEndpoints.additionalProperties.properties).sort();
  const listed = rowKeys('inboundEndpoints.NAME').filter((k) => !k.includes('.') && !/^create/.test(k) && !k.startsWith('inbound'));
  assert.deepEqual([...new Set(listed)].sort(), accepted);
});

test('docs/flows.md – every top-level key of a flow file has a row', () => {
  const schema = flowSchema() as { properties: Record<string, unknown> };
  const rows = doc.split('\n').filter((l) => l.startsWith('| `')).map((l) => /^\| `([A-Za-z]+)/.exec(l)?.[1]);
  const missing = Object.keys(schema.properties).filter((k) => k !== '$schema' && !rows.includes(k));
  assert.deepEqual(missing, []);
});

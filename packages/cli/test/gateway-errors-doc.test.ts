// GATEWAY_ERROR_CODES with FLOW_ERROR_CODES, and the "iso8583 gateway and flows" section of docs/errors.md, kept in sync.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { FLOW_ERROR_CODES, GATEWAY_ERROR_CODES } from '../src/index.js';

/** The codes of the section: the gateway's and the flow runner's. */
const CODES: Record<string, string> = { ...GATEWAY_ERROR_CODES, ...FLOW_ERROR_CODES };

function documented(): Map<string, string> {
  const text = readFileSync(join(repoRoot(), 'docs', 'errors.md'), 'utf8');
  const start = text.indexOf('\n## iso8583 gateway and flows\n');
  assert.ok(start >= 0, 'docs/errors.md has a section "## iso8583 gateway and flows"');
  const next = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, next < 0 ? undefined : next);
  return new Map([...section.matchAll(/^\| *`([A-Z0-9_]+)` *\| *([^|]+?) *\|/gm)].map((m) => [m[1] as string, m[2] as string]));
}

test('every code of GATEWAY_ERROR_CODES and FLOW_ERROR_CODES has a row with the same meaning in docs/errors.md, and no row is extra', () => {
  const rows = documented();
  assert.deepEqual([...rows.keys()].sort(), Object.keys(CODES).sort());
  for (const [code, meaning] of Object.entries(CODES)) assert.equal(rows.get(code), meaning, code);
});

test('every gateway code raised in the sources is in GATEWAY_ERROR_CODES, every flow code in FLOW_ERROR_CODES', () => {
  const src = join(repoRoot(), 'packages', 'cli', 'src');
  const raised = new Set<string>();
  for (const folder of ['gateway', 'flow', 'commands']) {
    for (const file of readdirSync(join(src, folder)).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(src, folder, file), 'utf8');
      for (const m of text.matchAll(/'(ISO8583_ERR_(?:GATEWAY|FLOW)_[A-Z_]+)'/g)) raised.add(m[1] as string);
    }
  }
  assert.ok(raised.size > 0);
  for (const code of raised) {
    const table = code.startsWith('ISO8583_ERR_FLOW_') ? FLOW_ERROR_CODES : GATEWAY_ERROR_CODES;
    assert.ok(Object.hasOwn(table, code), code);
  }
});

// Every warn or error line the connector logs carries a `code` an operator can look up in docs/errors.md. The
// journal-log-codes test checks CONNECTOR_LOG_CODES against the docs only, so two warn lines logged with no code at all
// (the PostgreSQL store's take-over of another node's SAF entries, the start's resume of entries an earlier run left)
// passed it. This scan of the sources finds such a line; the lines below are the ones known to pass their code in a
// variable (`fields`, `about`, each holding a `code`): each must still be there, so the list cannot outlive its lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { CONNECTOR_LOG_CODES } from '../src/index.js';

/** `file: words of the message` of the warn and error calls that name no `code` in their arguments, as known. */
const UNCODED = [
  'journal-read.ts: but its done is in the file: nothing owed',
  'journal-read.ts: settle that transaction with',
  'journal-read.ts: settle those transactions with',
  'undelivered-approval.ts: not a reversible request, not reversed',
  'undelivered-approval.ts: and reversal is off: not reversed',
  "undelivered-approval.ts: the answer's amount is not taken",
  'undelivered-approval.ts: ${why}: reversed`',
  'undelivered-approval.ts: reversed without SAF',
  'undelivered-approval.ts: NOT known reversed',
];

/** The `.ts` files under `dir`, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Whether the first argument of `call` (a `logger.warn(...)` text) is an object with a `code` key (or shorthand): the
 * word anywhere else ('unknown response code' in the message) does not name a code.
 */
function namesCode(call: string): boolean {
  let i = call.indexOf('(') + 1;
  // The first argument: up to the first comma outside brackets (an object, or a choice of objects).
  // Only its own keys: what lies at its first level (`{ detail: { code } }` names no code of the line).
  let own = '';
  for (let depth = 0; i < call.length; i++) {
    const c = call[i] as string;
    if ('({['.includes(c)) depth++;
    else if (')}]'.includes(c)) depth--;
    if (depth < 0 || (depth === 0 && c === ',')) break;
    own += depth <= 1 ? c : ' ';
  }
  return /[{,]\s*code\s*[:,}]/.test(own);
}

/** Each `logger.warn(...)` / `logger.error(...)` call of `text`: its whole text, brackets matched. */
function calls(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/logger\??\.(?:warn|error)\(/g)) {
    let i = (m.index as number) + m[0].length;
    for (let depth = 1; depth > 0 && i < text.length; i++) {
      const c = text[i] as string;
      if ('({['.includes(c)) depth++;
      else if (')}]'.includes(c)) depth--;
    }
    out.push(text.slice(m.index, i));
  }
  return out;
}

test('every warn and error line of the connector names a code, and every code it names is in CONNECTOR_LOG_CODES', () => {
  const root = join(repoRoot(), 'packages', 'connector', 'src');
  const uncoded: string[] = [];
  const seen = new Set<string>();
  let scanned = 0;
  for (const file of sources(root)) {
    const text = readFileSync(file, 'utf8');
    const name = relative(root, file).split('/').pop() as string;
    for (const call of calls(text)) {
      scanned++;
      if (namesCode(call)) continue;
      const known = UNCODED.find((k) => k.startsWith(`${name}: `) && call.includes(k.slice(name.length + 2)));
      if (known === undefined) uncoded.push(`${relative(root, file)}: ${call.replace(/\s+/g, ' ')}`);
      else seen.add(known);
    }
    for (const m of text.matchAll(/'(ISO8583_WARN_[A-Z0-9_]+)'/g)) {
      assert.ok(Object.hasOwn(CONNECTOR_LOG_CODES, m[1] as string), `${relative(root, file)}: ${m[1]} is not in CONNECTOR_LOG_CODES`);
    }
  }
  assert.ok(scanned > 50, `the scan sees the connector's log calls (${scanned})`);
  assert.deepEqual(uncoded, [], 'warn or error lines with no code');
  assert.deepEqual(UNCODED.filter((k) => !seen.has(k)), [], 'known uncoded lines no longer in the sources: take them off the list');
});

test('a code is the first argument\'s own key: one nested a level down, or a word of the message, names none', () => {
  assert.equal(namesCode("logger.warn({ code: 'ISO8583_WARN_X', stan }, 'text')"), true);
  assert.equal(namesCode("logger.warn(ok ? { code } : { code: 'ISO8583_WARN_X' }, 'text')"), true);
  assert.equal(namesCode("logger.warn({ ...fields, code }, 'text')"), true);
  assert.equal(namesCode("logger.warn({ detail: { code } }, 'text')"), false, 'a code nested one level down');
  assert.equal(namesCode("logger.warn({ detail: { code: 'ISO8583_WARN_X' }, stan }, 'text')"), false);
  assert.equal(namesCode("logger.warn({ stan }, 'an unknown response code')"), false);
});

// With journal folders (no --store), one upstream journals its reversals in --reversal-journal itself, each upstream of
// a group in <dir>/<name>. A change of configuration that would leave a journal holding reversals not yet sent unread
// (one upstream -> a group; an upstream renamed or removed; a group -> one upstream) is refused by --check-config and
// by the start, naming --reversal-journal and the file, without taking the journal's lock or writing anything. The
// reversals used to stay in the old file for good, never sent. Real files, real processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { runCli } from './cli-process.js';
import { folder, journalWithReversal } from './helpers/owed-journal.js';

const group = (dir: string, ...names: string[]): string[] => [...names.flatMap((n, i) => ['--upstream', `${n}=127.0.0.1:${9 + i}`]), '--reversal-journal', dir, '--no-transaction-log'];
const check = (flags: string[]): string => checkGatewayConfig(parseGatewayArgs(flags).config);

/** The bytes of every file under `dir`, by path: what a read-only check must leave as it was. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.set(join(entry.parentPath, entry.name), readFileSync(join(entry.parentPath, entry.name), 'hex'));
  }
  return files;
}

test('one upstream -> a group: the lone upstream\'s journal still holding a reversal is refused, read only', async (t) => {
  const dir = folder(t);
  await journalWithReversal(dir);
  const before = snapshot(dir);
  assert.throws(() => check(group(dir, 'primary', 'backup')), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG',
    field: '--reversal-journal',
    message: new RegExp(`^--reversal-journal: the reversal journal ${join(dir, 'reversals.jsonl')} holds 1 entries an earlier run left unsent \\(1 reversals owed\\), and this configuration \\(the upstreams primary, backup\\) does not open it`),
  });
  assert.deepEqual(snapshot(dir), before, 'nothing written, no lock file made');
  // The configuration that wrote it still starts.
  assert.match(check(['--upstream', '127.0.0.1:9', '--reversal-journal', dir, '--no-transaction-log']), /gateway config is valid/);
});

test('a journal whose reversals all ended does not stop the change', async (t) => {
  const dir = folder(t);
  await journalWithReversal(dir, true);
  assert.match(check(group(dir, 'primary', 'backup')), /gateway config is valid/);
});

test('an upstream renamed or removed, and a group back to one upstream: its folder still holding a reversal is refused', async (t) => {
  const dir = folder(t);
  await journalWithReversal(join(dir, 'visa'));
  assert.throws(() => check(group(dir, 'visa2', 'mc')), { field: '--reversal-journal', message: new RegExp(`${join(dir, 'visa', 'reversals.jsonl')} holds 1`) });
  assert.throws(() => check(['--upstream', '127.0.0.1:9', '--reversal-journal', dir]), { message: /\(one upstream\) does not open it/ });
  assert.match(check(group(dir, 'visa', 'mc')), /gateway config is valid/);
});

test('the start refuses too: exit 1 naming --reversal-journal and the file, nothing started', async (t) => {
  const dir = folder(t);
  await journalWithReversal(dir);
  const r = await runCli(['gateway', ...group(dir, 'primary', 'backup'), '--listen', '0', '--http', '0']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_GATEWAY_CONFIG: --reversal-journal: the reversal journal \S+reversals\.jsonl holds 1 entries an earlier run left unsent/);
  assert.deepEqual(readdirSync(dir).sort(), ['reversals.jsonl'], 'no folder of the group made');
});

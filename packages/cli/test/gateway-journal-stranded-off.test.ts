// A gateway restarted with --no-reversal (or with a PostgreSQL --store in place of its file journal) over a folder whose
// journal still owes reversals or advices opens no file journal: they were never sent, and the stop said none were
// left. The start and --check-config refuse, naming the flag, the file and the count, as for a journal a change of
// upstreams leaves unread (journal-stranded.ts). Real files, real processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { runCli } from './cli-process.js';
import { folder, journalWithReversal } from './helpers/owed-journal.js';

const check = (flags: string[]): string => checkGatewayConfig(parseGatewayArgs(flags).config);

test('--no-reversal over a journal still owing a reversal: --check-config refuses, naming the flag, the file and the count', async (t) => {
  const dir = folder(t, 'stranded-off');
  await journalWithReversal(dir);
  const file = join(dir, 'reversals.jsonl');
  assert.throws(() => check(['--upstream', '127.0.0.1:9', '--reversal-journal', dir, '--no-reversal']), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG',
    field: '--no-reversal',
    message: new RegExp(`^--no-reversal: the reversal journal ${file} holds 1 entries an earlier run left unsent \\(1 reversals owed\\), .*Start once without --no-reversal`),
  });
  // A group's folders too: <dir>/<name>.
  const groupDir = folder(t, 'stranded-off');
  await journalWithReversal(join(groupDir, 'visa'));
  assert.throws(() => check(['--upstream', 'visa=127.0.0.1:9', '--upstream', 'mc=127.0.0.1:10', '--reversal-journal', groupDir, '--no-reversal']), {
    field: '--no-reversal',
    message: new RegExp(`${join(groupDir, 'visa', 'reversals.jsonl')} holds 1`),
  });
  // The configuration that wrote it still starts.
  assert.match(check(['--upstream', '127.0.0.1:9', '--reversal-journal', dir]), /gateway config is valid/);
});

test('--store over a file journal still owing a reversal: refused, naming --store', async (t) => {
  const dir = folder(t, 'stranded-off');
  await journalWithReversal(dir);
  assert.throws(() => check(['--upstream', '127.0.0.1:9', '--reversal-journal', dir, '--store', 'postgresql://iso@127.0.0.1:9/iso']), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG',
    field: '--store',
    message: /^--store: the reversal journal \S+reversals\.jsonl holds 1 entries an earlier run left unsent \(1 reversals owed\), .*Start once without --store/,
  });
});

test('--no-reversal over a journal whose entries all ended, or over no journal, is valid', async (t) => {
  const dir = folder(t, 'stranded-off');
  await journalWithReversal(dir, true);
  assert.match(check(['--upstream', '127.0.0.1:9', '--reversal-journal', dir, '--no-reversal']), /gateway config is valid/);
  assert.match(check(['--upstream', '127.0.0.1:9', '--reversal-journal', folder(t, 'stranded-off'), '--no-reversal']), /gateway config is valid/);
});

test('the start with --no-reversal refuses too: exit 1 naming --no-reversal and the file, the journal left as it was', async (t) => {
  const dir = folder(t, 'stranded-off');
  await journalWithReversal(dir);
  const r = await runCli(['gateway', '--upstream', '127.0.0.1:9', '--reversal-journal', dir, '--no-reversal', '--listen', '0', '--http', '0']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_GATEWAY_CONFIG: --no-reversal: the reversal journal \S+reversals\.jsonl holds 1 entries an earlier run left unsent/);
  assert.deepEqual(readdirSync(dir).sort(), ['reversals.jsonl'], 'nothing else made');
});

test('--no-reversal over a journal whose only owed entry is a damaged add (no done): refused, as the connector refuses it', async (t) => {
  const dir = folder(t, 'stranded-off');
  await journalWithReversal(dir);
  // Damage r1's add in a bit of its amount and its closing brace: not a crash cut, no checksum vouches for it.
  const file = join(dir, 'reversals.jsonl');
  const data = readFileSync(file);
  const end = data.indexOf(0x0a);
  (data[data.indexOf('"4":"000000001000"') + 10] as number) ^= 0x01;
  (data[end - 1] as number) ^= 0x01;
  writeFileSync(file, data);
  assert.throws(() => check(['--upstream', '127.0.0.1:9', '--reversal-journal', dir, '--no-reversal']), {
    code: 'ISO8583_ERR_GATEWAY_CONFIG',
    field: '--no-reversal',
    message: /holds 0 entries an earlier run left unsent \(0 reversals owed\), and 1 damaged entries that may be owed/,
  });
});

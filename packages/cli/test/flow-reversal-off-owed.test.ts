// A flow connector restarted with reversal and SAF off, and no journalDir, over the default journal folder its earlier
// run journaled in (defaultJournalDir("FLOW.CONNECTOR")) still owing a reversal: the folder is handed to the connector,
// whose start refuses (naming reversal.enabled and the count) instead of starting clean and never sending it. Real
// files, a real `iso8583 run` process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultJournalDir } from '@iso8583/connector';
import { loadFlow } from '../src/flow/load.js';
import { runCli } from './cli-process.js';
import { journalWithReversal } from './helpers/owed-journal.js';

/** A flow file `payments` with one connector `bank` (reversal off), in a state folder of its own (XDG_STATE_HOME). */
function setUp(t: { after(fn: () => void): void }): { file: string; journalDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-owed-'));
  const before = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = join(dir, 'state');
  t.after(() => {
    if (before === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = before;
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'payments', connectors: { bank: { host: '127.0.0.1', port: 9, reversal: { enabled: false } } } }));
  return { file, journalDir: defaultJournalDir('payments.bank') };
}

test('reversal off, no journalDir, over the default folder still owing a reversal: iso8583 run refuses, naming reversal.enabled', async (t) => {
  const { file, journalDir } = setUp(t);
  await journalWithReversal(journalDir);
  const options = loadFlow(file).connectors['bank'] as { reversal?: { enabled?: boolean; journalDir?: string } };
  assert.deepEqual(options.reversal, { enabled: false, journalDir }, 'the default folder is handed to the connector');
  const r = await runCli(['run', file]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_CONNECTOR_OPTIONS.*1 entries an earlier run left unsent \(1 reversals owed\)/);
});

test('reversal off, no journalDir: a default folder with nothing owed, or none, is not handed on (and none is made)', async (t) => {
  const { file, journalDir } = setUp(t);
  assert.deepEqual((loadFlow(file).connectors['bank'] as { reversal?: unknown }).reversal, { enabled: false });
  assert.equal(existsSync(journalDir), false);
  await journalWithReversal(journalDir, true);
  // Handed on, and read: nothing owed, so the connector starts (connector test reversal-off-unsent.test.ts).
  assert.equal((loadFlow(file).connectors['bank'] as { reversal?: { journalDir?: string } }).reversal?.journalDir, journalDir);
});

test('reversal off over a folder still owing a reversal: run --check refuses as run does, naming /connectors/bank/reversal/enabled', async (t) => {
  const { file, journalDir } = setUp(t);
  await journalWithReversal(journalDir);
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_FLOW_INVALID.*\/connectors\/bank\/reversal\/enabled: .*holds 1 entries an earlier run left unsent/);
});

test('reversal off over a folder that owes nothing and could not be written: run --check passes (the start only reads it)', async (t) => {
  const { file, journalDir } = setUp(t);
  await journalWithReversal(journalDir, true);
  // A folder where the compacted file of an open could not be written (a folder in its place): a start with reversal
  // on fails there, one with both off never writes it.
  mkdirSync(join(journalDir, 'reversals.jsonl.tmp'));
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /flow payments is valid/);
});

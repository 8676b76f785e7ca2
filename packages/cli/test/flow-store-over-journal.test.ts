// A flow connector switched from its file journal to a PostgreSQL `store` never opens that file again: while it still
// owes a reversal, `run --check` and the start refuse (ISO8583_ERR_FLOW_INVALID naming /connectors/bank/store), as the
// gateway refuses --store over such a journal. They used to print "flow pay is valid" and start, the reversal never
// sent. The real binary, real files; the start is refused before it connects to the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN } from './cli-process.js';
import { journalWithReversal } from './helpers/owed-journal.js';

/** A flow `pay` with one connector `bank` (reversal on, `store` given or not) and a state folder of its own. */
function setUp(t: { after(fn: () => void): void }, store: boolean): { file: string; state: string; journalDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const state = join(dir, 'state');
  const bank = { host: '127.0.0.1', port: 9, reversal: { enabled: true }, ...(store ? { store: 'postgresql://127.0.0.1:1/none' } : {}) };
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'pay', connectors: { bank } }));
  const journalDir = join(state, 'iso8583', 'pay.bank');
  mkdirSync(journalDir, { recursive: true });
  return { file, state, journalDir };
}

/** `iso8583 run ...args` with `XDG_STATE_HOME=state`; one that starts (the defect) is stopped after 60 s (code null). */
function run(state: string, args: string[]): { code: number | null; out: string } {
  const env = { ...process.env, XDG_STATE_HOME: state };
  const r = spawnSync(process.execPath, [BIN, 'run', ...args], { env, encoding: 'utf8', input: '', timeout: 60_000, killSignal: 'SIGKILL' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

test('the file journal still owing a reversal: run --check without a store warns the start sends it; with one, refused', async (t) => {
  const before = setUp(t, false);
  await journalWithReversal(before.journalDir);
  const without = run(before.state, [before.file, '--check']);
  assert.equal(without.code, 0, without.out);
  assert.match(without.out, /flow pay is valid/);
  const { file, state, journalDir } = setUp(t, true);
  await journalWithReversal(journalDir);
  const r = run(state, [file, '--check']);
  assert.equal(r.code, 1, r.out);
  assert.ok(r.out.includes(`ISO8583_ERR_FLOW_INVALID: flow file ${file}: /connectors/bank/store: the reversal journal ${join(journalDir, 'reversals.jsonl')} holds 1 entries`), r.out);
  assert.doesNotMatch(r.out, /is valid/);
});

test('the start refuses too, before it connects anywhere', async (t) => {
  const { file, state, journalDir } = setUp(t, true);
  await journalWithReversal(journalDir);
  const r = run(state, [file]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /ISO8583_ERR_FLOW_INVALID: \/connectors\/bank\/store: the reversal journal \S+ holds 1 entries an earlier run left unsent/);
});

test('a file journal whose entries all ended does not stop the switch to a store', async (t) => {
  const { file, state, journalDir } = setUp(t, true);
  await journalWithReversal(journalDir, true);
  const r = run(state, [file, '--check']);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /flow pay is valid/);
});

test('a store over a journal folder that cannot be entered (a file in its place): a warning naming it, not silence', async (t) => {
  const { file, state, journalDir } = setUp(t, true);
  rmSync(journalDir, { recursive: true });
  writeFileSync(journalDir, 'not a folder\n');
  const r = run(state, [file, '--check']);
  assert.equal(r.code, 0, r.out);
  assert.ok(r.out.includes(`warning: ISO8583_WARN_JOURNAL_UNCHECKED: /connectors/bank/store: the folder ${journalDir} cannot be entered (ENOTDIR)`), r.out);
  assert.match(r.out, /flow pay is valid/);
});

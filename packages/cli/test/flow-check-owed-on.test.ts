// A flow connector with reversal on over a journal an earlier run left entries unsent in: its start sends them, and says
// so (`SAF entries (reversals, advices) left unfinished by an earlier run: sending them`; each damaged add logged at
// error). `run --check` used to say nothing of them; now it prints that as a `warning:` line naming the connector's
// journalDir path, in the words of the refusal with reversal off (connector's owedText), and passes. Real files, the
// real `iso8583` binary. `gateway --check-config` says the same of an upstream's journal (the same connector start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultJournalDir } from '@iso8583/connector';
import { runCli } from './cli-process.js';
import { journalWithDamagedAdd, journalWithReversal } from './helpers/owed-journal.js';
import { stateHome } from './helpers/state-home.js';

/** The flow file `payments` in `dir`: connector `bank` with reversal on, journaling in its default folder. */
function flowIn(dir: string): string {
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'payments', connectors: { bank: { host: '127.0.0.1', port: 9, reversal: { enabled: true } } } }));
  return file;
}

test('reversal on over a journal owing a reversal: run --check says the start sends it, and passes', async (t) => {
  const file = flowIn(stateHome(t, 'flow-owed-on'));
  const journalDir = defaultJournalDir('payments.bank');
  await journalWithReversal(journalDir);
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `warning: /connectors/bank/reversal/journalDir: the journal in ${journalDir} holds 1 entries an earlier run left unsent (1 reversals owed): the start sends them\nflow payments is valid\n`);
});

test('reversal on over a journal owing a reversal and a damaged add: both counted, the damaged one named apart', async (t) => {
  const file = flowIn(stateHome(t, 'flow-owed-on'));
  const journalDir = defaultJournalDir('payments.bank');
  await journalWithDamagedAdd(journalDir);
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^warning: \/connectors\/bank\/reversal\/journalDir: the journal in \S+ holds 1 entries an earlier run left unsent \(1 reversals owed\), and 1 damaged entries that may be owed \(.*\): the start sends the entries and logs the damaged ones at error\n/);
});

test('reversal on over a journal whose entries all ended, or none: no warning', async (t) => {
  const file = flowIn(stateHome(t, 'flow-owed-on'));
  assert.equal((await runCli(['run', file, '--check'])).stdout, 'flow payments is valid\n');
  await journalWithReversal(defaultJournalDir('payments.bank'), true);
  assert.equal((await runCli(['run', file, '--check'])).stdout, 'flow payments is valid\n');
});

test('gateway --check-config says it too of an upstream\'s journal still owing a reversal, naming --reversal-journal, and passes', async (t) => {
  const dir = join(stateHome(t, 'gateway-owed-on'), 'journal');
  await journalWithReversal(dir);
  const r = await runCli(['gateway', '--check-config', '--upstream', '127.0.0.1:9', '--reversal-journal', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith(`warning: --reversal-journal: the journal in ${dir} holds 1 entries an earlier run left unsent (1 reversals owed): the start sends them\ngateway config is valid`), r.stdout);
});

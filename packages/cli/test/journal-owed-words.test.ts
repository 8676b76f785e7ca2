// One journal, owing one reversal and one damaged add, refused by the three places that refuse a start over what an
// earlier run left unsent (the connector's start with reversal and SAF off, `run --check`, `gateway --check-config`
// with --no-reversal): each says the same count in the same words (connector's journal-owed.ts `owedText`), the
// damaged entry named apart. They used to say it three ways ("2 entries ... (or damaged, maybe owed)", "2 reversal(s)
// or advice(s) not yet sent"). Real files, the real `iso8583` binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultJournalDir } from '@iso8583/connector';
import { runCli } from './cli-process.js';
import { journalWithDamagedAdd } from './helpers/owed-journal.js';
import { stateHome } from './helpers/state-home.js';

const WORDS = 'holds 1 entries an earlier run left unsent (1 reversals owed), and 1 damaged entries that may be owed (a start with reversal on quarantines and logs them)';

test('the connector\'s start, run --check and gateway --check-config say what a journal owes in the same words', async (t) => {
  // The flow's connector journaled in its default folder (a state folder of this test's own) in an earlier run.
  const dir = stateHome(t, 'owed-words');
  const journal = defaultJournalDir('payments.bank');
  await journalWithDamagedAdd(journal);
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'payments', connectors: { bank: { host: '127.0.0.1', port: 9, reversal: { enabled: false } } } }));

  const start = await runCli(['run', file]);
  assert.equal(start.code, 1, start.stderr);
  assert.match(start.stderr, /ISO8583_ERR_CONNECTOR_OPTIONS: /);
  assert.ok(start.stderr.includes(`reversal and SAF are off, and the journal in ${journal} ${WORDS}: turn reversal.enabled`), start.stderr);

  const check = await runCli(['run', file, '--check']);
  assert.equal(check.code, 1, check.stderr);
  assert.ok(check.stderr.includes(`ISO8583_ERR_FLOW_INVALID: flow file ${file}: /connectors/bank/reversal/enabled: reversal and SAF are off, and the journal in ${journal} ${WORDS}: turn reversal.enabled`), check.stderr);

  const gateway = await runCli(['gateway', '--check-config', '--upstream', '127.0.0.1:9', '--reversal-journal', journal, '--no-reversal']);
  assert.equal(gateway.code, 1, gateway.stderr);
  assert.ok(gateway.stderr.includes(`ISO8583_ERR_GATEWAY_CONFIG: --no-reversal: the reversal journal ${join(journal, 'reversals.jsonl')} ${WORDS}, and this configuration (--no-reversal) does not open it`), gateway.stderr);
});

// A journal folder the gateway looks into for a journal its configuration does not open (journal-stranded.ts), which
// cannot be entered, is a warning, not a refusal. It used to carry no code and always name --reversal-journal, even
// when that flag was not given (the default state folder): now it is ISO8583_WARN_JOURNAL_UNCHECKED (docs/errors.md),
// naming the flag that set the folder, or the default state folder. Real files, the real `iso8583` binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { defaultJournalDir } from '@iso8583/connector';
import { runCli } from './cli-process.js';
import { stateHome } from './helpers/state-home.js';

/** The end of the warning line for a folder looked into for a journal a configuration (`mode`) does not open. */
const unopened = (mode: string): string => `to look for a reversals.jsonl this configuration (${mode}) does not open; not checked`;

test('--store over a --reversal-journal that cannot be entered (ENOTDIR): a coded warning naming --reversal-journal', async (t) => {
  const place = join(stateHome(t, 'gateway-unchecked'), 'journal');
  writeFileSync(place, 'not a folder');
  const r = await runCli(['gateway', '--check-config', '--upstream', '127.0.0.1:9', '--reversal-journal', place, '--store', 'postgresql://iso@127.0.0.1:9/iso']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith(`warning: ISO8583_WARN_JOURNAL_UNCHECKED: --reversal-journal: the folder ${place} cannot be entered (ENOTDIR) ${unopened('--store')}\n`), r.stdout);
  assert.match(r.stdout, /gateway config is valid/);
});

test('--no-reversal without --reversal-journal, over a default state folder that cannot be entered: the warning names the default folder', async (t) => {
  stateHome(t, 'gateway-unchecked');
  const place = defaultJournalDir('upstream');
  mkdirSync(dirname(place), { recursive: true });
  writeFileSync(place, 'not a folder');
  const r = await runCli(['gateway', '--check-config', '--upstream', '127.0.0.1:9', '--no-reversal', '--no-transaction-log']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(
    r.stdout.startsWith(`warning: ISO8583_WARN_JOURNAL_UNCHECKED: --reversal-journal (not given: the default state folder): the folder ${place} cannot be entered (ENOTDIR) ${unopened('--no-reversal')}\n`),
    r.stdout,
  );
});

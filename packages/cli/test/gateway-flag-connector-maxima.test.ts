// A gateway flag that feeds a connector option is bounded by the connector's own maximum (one home: the constants of
// `@iso8583/connector/option-limits`), so that a value past it is refused naming the flag the user typed. It used to
// start and fail at the connector's check, naming an option the user never gave (`invalid connector options:
// saf.maxInFlight (must be <= 1000000)` for `--saf-max-in-flight 2000000`). And the derived default of
// `--max-in-flight` (from `--max-connections`) stays within that maximum. The real `iso8583 gateway` binary.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_IN_FLIGHT, MAX_SAF_ATTEMPTS, MAX_SAF_ENTRIES, MAX_SAF_IN_FLIGHT } from '@iso8583/connector/option-limits';
import { runCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

/** Where the lines' journals and config files go: a folder each (`folder`), removed after the file. */
const work = mkdtempSync(join(tmpdir(), 'gateway-maxima-'));
after(() => rmSync(work, { recursive: true, force: true }));
let folders = 0;
const folder = (): string => mkdtempSync(join(work, `${folders++}-`));

/** `iso8583 gateway` on a journal folder of its own, with `flags` (port 9 upstream: never reached before the refusal). */
function gateway(...flags: string[]): string[] {
  return ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--reversal-journal', folder(), '--no-transaction-log', '--log-level', 'silent', ...flags];
}

/** A config file of its own folder with `key` at `value`. */
function configWith(key: string, value: number): string {
  const dir = folder();
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', reversalJournal: join(dir, 'journal'), [key]: value }));
  return file;
}

const CASES: [string, string, number][] = [
  ['--saf-max-in-flight', 'safMaxInFlight', MAX_SAF_IN_FLIGHT],
  ['--saf-max-attempts', 'safMaxAttempts', MAX_SAF_ATTEMPTS],
  ['--saf-max-entries', 'safMaxEntries', MAX_SAF_ENTRIES],
  ['--max-in-flight', 'maxInFlight', MAX_IN_FLIGHT],
];

// The command lines run in one process (`main` for each: helpers/main-batch.ts), the first refusal also through the real
// binary: each start of the binary costs a core over half a second, and the 13 starts were this file's 6 s.
const batch = mainBatch();

test('gateway – a flag past the connector\'s maximum is refused at start by the real binary, naming it, coded', async () => {
  const [flag, , max] = CASES[0] as (typeof CASES)[number];
  const r = await runCli(gateway(flag, String(max + 1)));
  assert.notEqual(r.code, 0, 'the gateway did not start');
  assert.match(r.stderr, new RegExp(`^iso8583: ISO8583_ERR_CLI_OPTION: ${flag} must be <= ${max}`), r.stderr);
  assert.doesNotMatch(r.stderr, /invalid connector options/, 'not the connector option');
});

for (const [flag, key, max] of CASES) {
  const past = batch.line(gateway(flag, String(max + 1)));
  const at = batch.line([...gateway(flag, String(max)), '--check-config']);
  const inFile = batch.line(['gateway', '--config', configWith(key, max + 1), '--check-config']);

  test(`gateway – ${flag} past the connector's maximum is refused at start naming ${flag}, coded; its maximum is taken`, async () => {
    const r = await past();
    assert.notEqual(r.code, 0, 'the gateway did not start');
    assert.match(r.stderr, new RegExp(`ISO8583_ERR_CLI_OPTION: ${flag} must be <= ${max}`), r.stderr);
    assert.doesNotMatch(r.stderr, /invalid connector options/, 'not the connector option');

    const ok = await at();
    assert.equal(ok.code, 0, ok.stderr);
  });

  test(`gateway – the config file's ${key} past the connector's maximum is refused naming /${key}`, async () => {
    const r = await inFile();
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`ISO8583_ERR_GATEWAY_CONFIG: [^\\n]*\\n\\s*/${key}: must be <= ${max}`), r.stderr);
  });
}

// 64 in flight per POS connection: 40000000 connections would be 2.56e9, past MAX_IN_FLIGHT.
const derived = batch.line([...gateway('--max-connections', '40000000'), '--check-config']);

test('gateway – a --max-connections whose derived --max-in-flight passes the connector\'s maximum is taken (the default is capped)', async () => {
  const r = await derived();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /gateway config is valid/);
});

// A gateway flag that feeds a connector option is bounded by the connector's own maximum (one home: the constants of
// `@iso8583/connector/option-limits`), so that a value past it is refused naming the flag the user typed. It used to
// start and fail at the connector's check, naming an option the user never gave (`invalid connector options:
// saf.maxInFlight (must be <= 1000000)` for `--saf-max-in-flight 2000000`). And the derived default of
// `--max-in-flight` (from `--max-connections`) stays within that maximum. The real `iso8583 gateway` binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_IN_FLIGHT, MAX_SAF_ATTEMPTS, MAX_SAF_ENTRIES, MAX_SAF_IN_FLIGHT } from '@iso8583/connector/option-limits';
import { runCli } from './cli-process.js';

/** `iso8583 gateway` on a journal folder of its own, with `flags` (port 9 upstream: never reached before the refusal). */
function gateway(t: { after(fn: () => void): void }, ...flags: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-maxima-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--reversal-journal', dir, '--no-transaction-log', '--log-level', 'silent', ...flags];
}

const CASES: [string, string, number][] = [
  ['--saf-max-in-flight', 'safMaxInFlight', MAX_SAF_IN_FLIGHT],
  ['--saf-max-attempts', 'safMaxAttempts', MAX_SAF_ATTEMPTS],
  ['--saf-max-entries', 'safMaxEntries', MAX_SAF_ENTRIES],
  ['--max-in-flight', 'maxInFlight', MAX_IN_FLIGHT],
];

for (const [flag, key, max] of CASES) {
  test(`gateway – ${flag} past the connector's maximum is refused at start naming ${flag}, coded; its maximum is taken`, async (t) => {
    const r = await runCli(gateway(t, flag, String(max + 1)));
    assert.notEqual(r.code, 0, 'the gateway did not start');
    assert.match(r.stderr, new RegExp(`ISO8583_ERR_CLI_OPTION: ${flag} must be <= ${max}`), r.stderr);
    assert.doesNotMatch(r.stderr, /invalid connector options/, 'not the connector option');

    const ok = await runCli([...gateway(t, flag, String(max)), '--check-config']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test(`gateway – the config file's ${key} past the connector's maximum is refused naming /${key}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-maxima-file-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', reversalJournal: join(dir, 'journal'), [key]: max + 1 }));
    const r = await runCli(['gateway', '--config', file, '--check-config']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`ISO8583_ERR_GATEWAY_CONFIG: [^\\n]*\\n\\s*/${key}: must be <= ${max}`), r.stderr);
  });
}

test('gateway – a --max-connections whose derived --max-in-flight passes the connector\'s maximum is taken (the default is capped)', async (t) => {
  // 64 in flight per POS connection: 40000000 connections would be 2.56e9, past MAX_IN_FLIGHT.
  const r = await runCli([...gateway(t, '--max-connections', '40000000'), '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /gateway config is valid/);
});

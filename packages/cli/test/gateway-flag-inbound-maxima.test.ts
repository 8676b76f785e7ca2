// A gateway flag that feeds an inbound option is bounded by the inbound endpoint's own maximum (one home: the constant
// of `@iso8583/inbound/option-limits`), so that a value past it is refused naming the flag the user typed, by
// `--check-config` too. It passed `--check-config` and failed only at start, naming an option the user never gave
// (`invalid inbound options: maxConnectionsPerAddress (must be <= 4294967295)`). The real `iso8583 gateway` binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CONNECTIONS } from '@iso8583/inbound/option-limits';
import { runCli } from './cli-process.js';

/** `iso8583 gateway` on a journal folder of its own, with `flags` (port 9 upstream: never reached before the refusal). */
function gateway(t: { after(fn: () => void): void }, ...flags: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-inbound-maxima-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--reversal-journal', dir, '--no-transaction-log', '--log-level', 'silent', ...flags];
}

const CASES: [string, string][] = [
  ['--max-connections', 'maxConnections'],
  ['--max-connections-per-address', 'maxConnectionsPerAddress'],
];

for (const [flag, key] of CASES) {
  test(`gateway – ${flag} past the inbound maximum is refused by --check-config naming ${flag}, coded; its maximum is taken`, async (t) => {
    const r = await runCli([...gateway(t, flag, String(MAX_CONNECTIONS + 1)), '--check-config']);
    assert.notEqual(r.code, 0, 'the configuration was taken');
    assert.match(r.stderr, new RegExp(`ISO8583_ERR_CLI_OPTION: ${flag} must be <= ${MAX_CONNECTIONS}`), r.stderr);
    assert.doesNotMatch(r.stderr, /invalid inbound options/, 'not the inbound option');

    const ok = await runCli([...gateway(t, flag, String(MAX_CONNECTIONS)), '--check-config']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test(`gateway – the config file's ${key} past the inbound maximum is refused naming /${key}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-inbound-maxima-file-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'gateway.json');
    writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', reversalJournal: join(dir, 'journal'), [key]: MAX_CONNECTIONS + 1 }));
    const r = await runCli(['gateway', '--config', file, '--check-config']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`ISO8583_ERR_GATEWAY_CONFIG: [^\\n]*\\n\\s*/${key}: must be <= ${MAX_CONNECTIONS}`), r.stderr);
  });
}

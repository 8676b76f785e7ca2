// A gateway flag that feeds an inbound option is bounded by the inbound endpoint's own maximum (one home: the constant
// of `@iso8583/inbound/option-limits`), so that a value past it is refused naming the flag the user typed, by
// `--check-config` too. It passed `--check-config` and failed only at start, naming an option the user never gave
// (`invalid inbound options: maxConnectionsPerAddress (must be <= 4294967295)`). The real `iso8583 gateway` binary.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CONNECTIONS } from '@iso8583/inbound/option-limits';
import { runCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

/** Where the lines' journals and config files go: a folder each (`folder`), removed after the file. */
const work = mkdtempSync(join(tmpdir(), 'gateway-inbound-maxima-'));
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

const CASES: [string, string][] = [
  ['--max-connections', 'maxConnections'],
  ['--max-connections-per-address', 'maxConnectionsPerAddress'],
];

// The command lines run in one process (`main` for each: helpers/main-batch.ts), the first refusal also through the real
// binary: each start of the binary costs a core over half a second.
const batch = mainBatch();

test('gateway – a flag past the inbound maximum is refused by --check-config of the real binary, naming it, coded', async () => {
  const [flag] = CASES[0] as (typeof CASES)[number];
  const r = await runCli([...gateway(flag, String(MAX_CONNECTIONS + 1)), '--check-config']);
  assert.notEqual(r.code, 0, 'the configuration was taken');
  assert.match(r.stderr, new RegExp(`ISO8583_ERR_CLI_OPTION: ${flag} must be <= ${MAX_CONNECTIONS}`), r.stderr);
  assert.doesNotMatch(r.stderr, /invalid inbound options/, 'not the inbound option');
});

for (const [flag, key] of CASES) {
  const past = batch.line([...gateway(flag, String(MAX_CONNECTIONS + 1)), '--check-config']);
  const at = batch.line([...gateway(flag, String(MAX_CONNECTIONS)), '--check-config']);
  const inFile = batch.line(['gateway', '--config', configWith(key, MAX_CONNECTIONS + 1), '--check-config']);

  test(`gateway – ${flag} past the inbound maximum is refused by --check-config naming ${flag}, coded; its maximum is taken`, async () => {
    const r = await past();
    assert.notEqual(r.code, 0, 'the configuration was taken');
    assert.match(r.stderr, new RegExp(`ISO8583_ERR_CLI_OPTION: ${flag} must be <= ${MAX_CONNECTIONS}`), r.stderr);
    assert.doesNotMatch(r.stderr, /invalid inbound options/, 'not the inbound option');

    const ok = await at();
    assert.equal(ok.code, 0, ok.stderr);
  });

  test(`gateway – the config file's ${key} past the inbound maximum is refused naming /${key}`, async () => {
    const r = await inFile();
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`ISO8583_ERR_GATEWAY_CONFIG: [^\\n]*\\n\\s*/${key}: must be <= ${MAX_CONNECTIONS}`), r.stderr);
  });
}

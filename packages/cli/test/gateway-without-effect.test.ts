// Settings the gateway accepted and then did not use are refused, naming both settings (the flags as given, or the
// config file and its keys, `/key` and `/upstreams/N/key`): `--tls-insecure` with no upstream link on TLS, a SAF
// setting with `--no-reversal` (no SAF queue), `--reversal-journal` with `--no-reversal` and `--no-transaction-log`,
// an upstream's own TLS keys with its `tls: false` or on a link that is not TLS, when both come from the same source.
// A flag that makes a file key unused starts, with a warning naming both (flags win over the file). What has an
// effect stays accepted.
// The real parser with real config files, and the real binary's `--check-config`.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TERMINAL_LOCK_CONNECTIONS } from '@iso8583/connector/option-limits';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { runCli } from './cli-process.js';

/** A config file holding `body`, in a folder removed after the test; its path. */
function configFile(t: TestContext, body: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-without-effect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(body));
  return file;
}

/** The coded refusal of `argv`: its field and message. */
function refusal(argv: string[]): { field: unknown; message: string } {
  try {
    parseGatewayArgs(argv);
  } catch (err) {
    const e = err as { code?: unknown; field?: unknown; message: string };
    assert.equal(e.code, 'ISO8583_ERR_GATEWAY_CONFIG', e.message);
    return { field: e.field, message: e.message };
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

const UP = ['--upstream', '127.0.0.1:9'];

test('flags without effect are refused naming both flags: --tls-insecure without TLS, a SAF flag with --no-reversal, --reversal-journal with --no-reversal --no-transaction-log', () => {
  const insecure = refusal([...UP, '--tls-insecure']);
  assert.equal(insecure.field, '--tls-insecure');
  assert.match(insecure.message, /--tls-insecure is without effect with --tls \(no upstream link is on TLS/);
  for (const [flag, value] of [['--saf-max-attempts', '3'], ['--saf-end-codes', '00'], ['--saf-retry-interval', '500'], ['--reversal-retry-interval', '500'], ['--saf-expire-after', '1000']] as const) {
    const r = refusal([...UP, '--no-reversal', flag, value]);
    assert.equal(r.field, flag);
    assert.match(r.message, new RegExp(`^${flag} is without effect with --no-reversal \\(no reversal, no SAF queue\\)`));
  }
  const sq = refusal([...UP, '--noAutoReversal', '--saf-max-in-flight', '2']);
  assert.match(sq.message, /--saf-max-in-flight is without effect with --noAutoReversal/);
  const journal = refusal([...UP, '--no-reversal', '--no-transaction-log', '--reversal-journal', '/tmp/x']);
  assert.equal(journal.field, '--reversal-journal');
  assert.match(journal.message, /--reversal-journal is without effect with --no-reversal/);
});

test('what has an effect stays accepted: --tls-insecure with --tls or a TLS file, --reversal-journal with --no-reversal (the transaction log), SAF flags with reversal on', () => {
  assert.equal(parseGatewayArgs([...UP, '--tls', '--tls-insecure']).config.tlsInsecure, true);
  assert.equal(parseGatewayArgs([...UP, '--tls-servername', 'bank', '--tls-insecure']).config.tlsInsecure, true);
  assert.equal(parseGatewayArgs([...UP, '--no-reversal', '--reversal-journal', '/tmp/x']).config.reversalJournal, '/tmp/x');
  assert.equal(parseGatewayArgs([...UP, '--saf-max-attempts', '3']).config.safMaxAttempts, 3);
  assert.equal(parseGatewayArgs([...UP, '--no-reversal']).config.noReversal, true);
});

test('config file: keys without effect are refused naming the file and both keys, /key and /upstreams/N/key', (t) => {
  const saf = configFile(t, { upstream: '127.0.0.1:9', noReversal: true, safMaxAttempts: 3 });
  const r = refusal(['--config', saf]);
  assert.equal(r.field, '/safMaxAttempts');
  assert.ok(r.message.startsWith(`config file ${saf}: /safMaxAttempts is without effect with /noReversal`), r.message);
  const insecure = configFile(t, { upstream: '127.0.0.1:9', tlsInsecure: true });
  assert.equal(refusal(['--config', insecure]).field, '/tlsInsecure');
  const off = configFile(t, { upstreams: [{ name: 'a', upstream: '127.0.0.1:9' }, { name: 'b', upstream: '127.0.0.1:10', tls: false, tlsCa: '/ca.pem' }] });
  const offRefused = refusal(['--config', off]);
  assert.equal(offRefused.field, '/upstreams/1/tlsCa');
  assert.match(offRefused.message, /\/upstreams\/1\/tlsCa is without effect with \/upstreams\/1\/tls false/);
  const lone = configFile(t, { upstreams: [{ name: 'a', upstream: '127.0.0.1:9', tlsKey: '/key.pem' }, { name: 'b', upstream: '127.0.0.1:10' }] });
  assert.equal(refusal(['--config', lone]).field, '/upstreams/0/tlsKey');
  // A TLS link on one upstream: the gateway's --tls-insecure applies to it.
  const one = configFile(t, { upstreams: [{ name: 'a', upstream: '127.0.0.1:9', tls: true }, { name: 'b', upstream: '127.0.0.1:10' }], tlsInsecure: true });
  assert.equal(parseGatewayArgs(['--config', one]).config.tlsInsecure, true);
});

test('a flag that makes a config file key unused starts, with a warning naming the file key and the flag (flags win over the file); a flag the file makes unused is refused', (t) => {
  // A shared production file with SAF settings, and --no-reversal on one node's command line.
  const shared = configFile(t, { upstream: '127.0.0.1:9', safMaxAttempts: 3, safEndCodes: '00' });
  const parsed = parseGatewayArgs(['--config', shared, '--no-reversal']);
  assert.equal(parsed.config.noReversal, true);
  assert.equal(parsed.warnings.length, 2, parsed.warnings.join('\n'));
  assert.equal(parsed.warnings[0], `config file ${shared}: /safMaxAttempts is without effect with --no-reversal (no reversal, no SAF queue): the flag wins over the file; /safMaxAttempts is not used`);
  assert.match(parsed.warnings[1] ?? '', /\/safEndCodes is without effect with --no-reversal/);
  // --check-config prints them as its warning: lines, before the summary.
  const summary = checkGatewayConfig(parsed.config, parsed.warnings);
  assert.ok(summary.startsWith(`warning: config file ${shared}: /safMaxAttempts is without effect with --no-reversal`), summary);
  assert.match(summary, /\ngateway config is valid: /);
  // The other way round (a flag the file's noReversal makes unused) is refused: the flag expects reversals, and the
  // file cannot overrule it.
  const off = configFile(t, { upstream: '127.0.0.1:9', noReversal: true });
  assert.throws(() => parseGatewayArgs(['--config', off, '--saf-max-attempts', '3']), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
    assert.equal(err.field, '--saf-max-attempts');
    assert.equal(err.message, `--saf-max-attempts is without effect with /noReversal of config file ${off} (no reversal, no SAF queue): remove one`);
    return true;
  });
  // Nothing unused, nothing said.
  assert.deepEqual(parseGatewayArgs([...UP, '--saf-max-attempts', '3']).warnings, []);
});

test('--check-config refuses a flag without effect with exit 1 and the coded line', async () => {
  const checked = await runCli(['gateway', ...UP, '--listen', '0', '--http', '0', '--no-reversal', '--saf-max-attempts', '3', '--check-config']);
  assert.equal(checked.code, 1, checked.stdout);
  assert.match(checked.stderr, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --saf-max-attempts is without effect with --no-reversal/);
});

test('--check-config of a shared file with --no-reversal: exit 0, a warning: line naming the file key and the flag', async (t) => {
  const shared = configFile(t, { upstream: '127.0.0.1:9', safMaxAttempts: 3 });
  const checked = await runCli(['gateway', '--config', shared, '--listen', '0', '--http', '0', '--no-reversal', '--check-config']);
  assert.equal(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /^warning: config file .*: \/safMaxAttempts is without effect with --no-reversal \(no reversal, no SAF queue\)/);
  assert.match(checked.stdout, /\ngateway config is valid: /);
});

test('--terminal-lock-connections without --store or --terminal-queue (no terminal lock) is refused naming what it needs; a file key too; with both it is used', (t) => {
  const store = ['--store', 'postgresql://gw@127.0.0.1:5432/gw'];
  const noStore = refusal([...UP, '--terminal-queue', '--terminal-lock-connections', '5']);
  assert.equal(noStore.field, '--terminal-lock-connections');
  assert.match(noStore.message, /^--terminal-lock-connections is without effect without --store \(no PostgreSQL store: no terminal lock\)/);
  const noQueue = refusal([...UP, ...store, '--terminal-lock-connections', '5']);
  assert.equal(noQueue.field, '--terminal-lock-connections');
  assert.match(noQueue.message, /^--terminal-lock-connections is without effect without --terminal-queue \(no terminal queue: no terminal lock\)/);
  const file = configFile(t, { upstream: '127.0.0.1:9', terminalQueue: true, terminalLockConnections: 5 });
  const fromFile = refusal(['--config', file]);
  assert.equal(fromFile.field, '/terminalLockConnections');
  assert.ok(fromFile.message.startsWith(`config file ${file}: /terminalLockConnections is without effect without --store`), fromFile.message);
  assert.equal(parseGatewayArgs([...UP, ...store, '--terminal-queue', '--terminal-lock-connections', '5']).config.terminalLockConnections, 5);
  // Not given: its default, refused nowhere (with a store or without).
  assert.equal(parseGatewayArgs([...UP, ...store]).config.terminalLockConnections, DEFAULT_TERMINAL_LOCK_CONNECTIONS);
  assert.equal(parseGatewayArgs(UP).config.terminalLockConnections, DEFAULT_TERMINAL_LOCK_CONNECTIONS);
});

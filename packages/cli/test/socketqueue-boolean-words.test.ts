// SocketQueue's boolean names with their value as the next word (`--noAutoReversal true`), as its optimist parser read
// them: accepted, read as that value. They were refused with `this command takes no arguments (only flags)`, naming
// neither the flag nor the word; any other word after one is refused as its `=` form is (must be true or false),
// naming both; a word after a switch of ours is refused as taking no value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { runCli } from './cli-process.js';

const BANK = ['--upstreamHost=10.0.0.1', '--upstreamPort=5000'];

test('gateway --check-config takes --noAutoReversal true, --queueLockTerminal false, --vv true (space-separated)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sq-words-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = await runCli(['gateway', ...BANK, '--reversal-journal', dir, '--noAutoReversal', 'true', '--queueLockTerminal', 'false', '--vv', 'true', '--check-config']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^gateway config is valid/m);
});

test('SocketQueue boolean words – each is read as its value, as --name=VALUE is', () => {
  const on = parseGatewayArgs([...BANK, '--noAutoReversal', 'true', '--queueLockTerminal', 'false', '--vv', 'true']).config;
  assert.equal(on.noReversal, true);
  assert.equal(on.terminalQueue, false);
  assert.equal(on.logMessages, true);
  const off = parseGatewayArgs([...BANK, '--noAutoReversal', 'false', '--vv', 'false']).config;
  assert.equal(off.noReversal, false);
  assert.equal(off.logMessages, false);
  assert.throws(() => parseGatewayArgs([...BANK, '--noAutoReversal', 'false', '--noAutoReversal']), { code: 'ISO8583_ERR_CLI_OPTION', message: /--noAutoReversal is given twice/ });
});

test('gateway: another word after a SocketQueue boolean is refused as its = form is, must be true or false, naming the flag and the word; a word that may be card data is not shown', async () => {
  const maybe = await runCli(['gateway', ...BANK, '--noAutoReversal', 'maybe', '--check-config']);
  assert.equal(maybe.code, 1, 'a bad option value, as --noAutoReversal=maybe');
  assert.equal(maybe.stdout, '');
  assert.match(maybe.stderr, /^iso8583: ISO8583_ERR_CLI_OPTION: --noAutoReversal must be true or false \(or given alone for true\), not "maybe"/);
  assert.doesNotMatch(maybe.stderr, /takes no value/, 'the next-word form is documented: not told it takes no value');
  const inline = await runCli(['gateway', ...BANK, '--noAutoReversal=yes', '--check-config']);
  assert.match(inline.stderr, /^iso8583: ISO8583_ERR_CLI_OPTION: --noAutoReversal must be true or false \(or given alone for true\), not "yes"/);
  // A flag of ours that takes no value still says so.
  const ours = await runCli(['gateway', ...BANK, '--tls', 'yes', '--check-config']);
  assert.match(ours.stderr, /: "yes" after --tls, which takes no value/);
  const pan = await runCli(['gateway', ...BANK, '--vv', '4111111111111111', '--check-config']);
  assert.equal(pan.code, 1);
  assert.match(pan.stderr, /--vv must be true or false \(or given alone for true\), not a word of 16 characters/);
  assert.doesNotMatch(pan.stderr, /4111|1111/);
  // The same PAN in EBCDIC hex starts with a letter and has no run of 6 digits: still a possible card, not shown.
  const ebcdic = await runCli(['gateway', ...BANK, '--vv', 'F4F1F1F1F1F1F1F1F1F1F1F1F1F1F1F1', '--check-config']);
  assert.equal(ebcdic.code, 1);
  assert.match(ebcdic.stderr, /--vv must be true or false \(or given alone for true\), not a word of 32 characters/);
  assert.doesNotMatch(ebcdic.stderr, /F4F1/);
});

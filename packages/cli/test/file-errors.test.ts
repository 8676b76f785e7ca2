// ISO8583_ERR_CLI_FILE, every use: a file a flag names that cannot be read, or that does not hold what the flag asks
// for, is refused naming the flag, the file and the reason, never a byte of the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { checkTlsMaterial, readPemFile } from '../src/flags.js';
import { readConfigFile } from '../src/gateway/config.js';
import { readHttpToken } from '../src/console/access.js';
import { demoTransactions } from '../src/commands/demo.js';
import { loadFlow } from '../src/flow/load.js';

test('ISO8583_ERR_CLI_FILE – every use names the flag, the file and the reason, never the content', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-file-errors-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const missing = join(dir, 'missing.pem');
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'SECRETLINE 4761739001010010\n');
  const list = join(dir, 'list.json');
  writeFileSync(list, JSON.stringify({ title: 'SECRETLINE' }));
  const pem = (path: string, flag: string): { pem: string; path: string; flag: string } => ({ pem: 'SECRETLINE', path, flag });
  const cases: { what: string; run: () => unknown; flag: string; file: string; reason: RegExp }[] = [
    { what: 'a TLS file that does not exist', run: () => readPemFile(missing, '--tls-ca'), flag: '--tls-ca', file: missing, reason: /cannot read the file .*: ENOENT \(no such file or directory\)$/ },
    { what: 'a TLS file that is a folder', run: () => readPemFile(dir, '--tls-cert'), flag: '--tls-cert', file: dir, reason: /: EISDIR \(illegal operation on a directory\)$/ },
    { what: 'a CA file with no certificate', run: () => checkTlsMaterial({ ca: pem(secret, '--tls-ca') }), flag: '--tls-ca', file: secret, reason: /no PEM certificate in / },
    { what: 'a key file with no PEM key', run: () => checkTlsMaterial({ key: pem(secret, '--tls-key') }), flag: '--tls-key', file: secret, reason: /no PEM private key in / },
    { what: 'a --config file that does not exist', run: () => readConfigFile(missing), flag: '--config', file: missing, reason: /: ENOENT \(no such file or directory\)$/ },
    { what: 'a token file that is a folder', run: () => readHttpToken(undefined, dir), flag: '--http-token-file', file: dir, reason: /: EISDIR \(illegal operation on a directory\)$/ },
    { what: 'a --transactions file that does not exist', run: () => demoTransactions(missing), flag: '--transactions', file: missing, reason: /: ENOENT \(no such file or directory\)$/ },
    { what: 'a --transactions file that is not JSON', run: () => demoTransactions(secret), flag: '--transactions', file: secret, reason: /is not JSON/ },
    { what: 'a --transactions file that is not a list', run: () => demoTransactions(list), flag: '--transactions', file: list, reason: /is not a list of/ },
  ];
  for (const c of cases) {
    assert.throws(c.run, (err: unknown) => {
      assert.ok(isIso8583Error(err), c.what);
      assert.equal(err.code, 'ISO8583_ERR_CLI_FILE', c.what);
      assert.equal(err.field, c.flag, c.what);
      assert.ok(err.message.startsWith(`${c.flag}: `), `${c.what}: ${err.message}`);
      assert.ok(err.message.includes(c.file), `${c.what} names the file: ${err.message}`);
      assert.match(err.message, c.reason, c.what);
      assert.doesNotMatch(err.message, /SECRETLINE|4761739001010010/, `${c.what}: no content`);
      return true;
    }, c.what);
  }
});

test('a flow file that cannot be read – ISO8583_ERR_FLOW_FILE with the system\'s reason in words', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-file-errors-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.throws(() => loadFlow(dir), (err: unknown) => {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_FLOW_FILE');
    assert.equal(err.message, `flow file ${dir} cannot be read: EISDIR (illegal operation on a directory)`);
    return true;
  });
});

test('a flow file of a path over 256 characters that cannot be read – its name once, then the system\'s reason alone', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-file-errors-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'a'.repeat(200), `${'b'.repeat(100)}.json`);
  assert.throws(() => loadFlow(file), (err: unknown) => {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_FLOW_FILE');
    assert.match(err.message, /^flow file \S+ cannot be read: ENOENT \(/);
    assert.ok(err.message.startsWith(`flow file ${file} cannot be read: ENOENT`), err.message);
    assert.doesNotMatch(err.message, /cannot read the file|not shown/, 'readFlagFile\'s own wording is not doubled in');
    return true;
  });
});

// A flag file's value as errors name it: PEM text pasted where a file's path goes (the gateway's `tlsKey`, where the
// connector's `tls` options take the text) was echoed whole on stderr, private key and all; a token given to
// `--http-token-file` was echoed as "the file" it named. Now a value is named only when it is a plausible file name,
// and a secret's flag (a key, a token) names no value that names nothing on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates } from '@iso8583/test-support';
import { readFlagFile, readFlagFileFirstLine } from '../src/read-file.js';
import { runCli } from './cli-process.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-read-file-values-'));
const certs = makeCertificates();
test.after(() => {
  rmSync(work, { recursive: true, force: true });
  certs.cleanup();
});

/** The base64 lines of a PEM text: none may appear in an error. */
function base64Lines(pem: string): string[] {
  return pem.split('\n').filter((line) => line !== '' && !line.startsWith('-----'));
}

/** `run` refused with ISO8583_ERR_CLI_FILE naming `flag`, matching `reason`, holding none of `secrets`. */
function refused(run: () => unknown, flag: string, reason: RegExp, secrets: string[]): void {
  assert.throws(run, (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CLI_FILE');
    assert.equal(err.field, flag);
    assert.match(err.message, reason);
    for (const secret of secrets) assert.equal(err.message.includes(secret), false, `no secret in: ${err.message}`);
    return true;
  });
}

test('PEM text given as a file name – refused as PEM text, none of the key in the error', () => {
  const lines = base64Lines(certs.serverKey);
  assert.ok(lines.length > 0);
  refused(() => readFlagFile(certs.serverKey, '--tls-key'), '--tls-key', /^--tls-key: the value holds PEM text, not a file name \(give the file's path\)$/, lines);
  refused(() => readFlagFile(certs.serverKey, '/upstreams/0/tlsKey'), '/upstreams/0/tlsKey', /holds PEM text/, lines);
  refused(() => readFlagFile('a\nb', '--tls-ca'), '--tls-ca', /^--tls-ca: the value holds a line break, not a file name/, ['a\nb']);
});

test('the gateway config key tlsKey holding PEM text – stderr holds none of the key', async () => {
  const config = join(work, 'pem-in-config.json');
  const cert = join(work, 'server.pem');
  writeFileSync(cert, certs.serverCert);
  writeFileSync(config, JSON.stringify({ upstream: '127.0.0.1:9', tlsCert: cert, tlsKey: certs.serverKey }));
  const r = await runCli(['gateway', '--config', config, '--check-config']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_CLI_FILE: --tls-key: the value holds PEM text/);
  for (const line of base64Lines(certs.serverKey)) assert.equal(r.stderr.includes(line), false, r.stderr);
});

test('a token given to --http-token-file – not echoed as the file it names', async () => {
  const token = 'S3cr3t-T0ken-value-123';
  refused(() => readFlagFileFirstLine(token, '--http-token-file', 4096), '--http-token-file', /^--http-token-file: no file at the path given \(not shown: .*\): ENOENT \(no such file or directory\)$/, [token]);
  const r = await runCli(['gateway', '--upstream', '127.0.0.1:9', '--http-token-file', token, '--check-config']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ISO8583_ERR_CLI_FILE: --http-token-file: no file at the path given/);
  assert.equal(r.stderr.includes(token), false, r.stderr);
  // A key's flag alike; a file that is there is named (a name that names a file is no secret).
  refused(() => readFlagFile('not-a-key-file', '--client-tls-key'), '--client-tls-key', /no file at the path given/, ['not-a-key-file']);
  refused(() => readFlagFile(work, '--tls-key'), '--tls-key', new RegExp(`^--tls-key: cannot read the file ${work}: EISDIR`), []);
});

test('a file name is named when plausible: at most 256 characters, no control character', () => {
  const missing = join(work, 'missing.json');
  refused(() => readFlagFile(missing, '--config'), '--config', new RegExp(`^--config: cannot read the file ${missing}: ENOENT`), []);
  const long = join(work, 'x'.repeat(300));
  refused(() => readFlagFile(long, '--config'), '--config', /^--config: cannot read the file given \(not shown: over 256 characters or with control characters\): ENAMETOOLONG/, ['x'.repeat(100)]);
  const control = join(work, 'bell\u0007name');
  refused(() => readFlagFile(control, '--transactions'), '--transactions', /cannot read the file given \(not shown/, ['bell']);
});

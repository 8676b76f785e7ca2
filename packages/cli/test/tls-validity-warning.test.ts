// A certificate outside its validity period (expired, or not yet valid) passed every check: the gateway's
// `--check-config` said "valid", simulate-host started, and then every client failed CERT_HAS_EXPIRED while the server
// logged a bare ECONNRESET. Now it is an `iso8583: warning:` line on stderr naming the flag, the file and the date, at
// `--check-config` and at start alike; a warning, not a refusal (an operator may have to start with it to rotate it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDatedCertificate } from '@iso8583/test-support';
import { runCli, startCli } from './cli-process.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-tls-validity-'));
const expired = makeDatedCertificate('20200101000000Z', '20200102000000Z');
const future = makeDatedCertificate('20990101000000Z', '20990102000000Z');
test.after(() => {
  rmSync(work, { recursive: true, force: true });
  expired.cleanup();
  future.cleanup();
});

test('gateway --check-config with an expired POS certificate: valid, and a warning line naming the flag, file and date', async () => {
  const r = await runCli(['gateway', '--upstream', '127.0.0.1:9', '--reversal-journal', join(work, 'journal'), '--log-file', join(work, 'g.log'), '--client-tls-cert', expired.certFile, '--client-tls-key', expired.keyFile, '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^gateway config is valid: /m);
  assert.equal(r.stderr, `iso8583: warning: --client-tls-cert: the certificate in ${expired.certFile} expired on 2020-01-02T00:00:00.000Z: peers refuse it (CERT_HAS_EXPIRED)\n`);
});

test('simulate-host starting with a certificate not valid yet: it starts, and warns on stderr', async () => {
  const host = await startCli(['simulate-host', '--port', '0', '--tls-cert', future.certFile, '--tls-key', future.keyFile]);
  const r = await host.stop();
  assert.match(r.stderr, new RegExp(`^iso8583: warning: --tls-cert: the certificate in ${future.certFile} is not valid before 2099-01-01T00:00:00\\.000Z: peers refuse it \\(CERT_NOT_YET_VALID\\)$`, 'm'));
});

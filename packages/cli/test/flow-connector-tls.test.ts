// A flow connector's `tls` material is checked as Node's TLS will use it, as an endpoint's is: a `ca` with no PEM
// certificate (which Node takes silently, then trusts nothing), or a key that does not go with its certificate, is
// refused by `run --check` and `run` at its JSON path, never started to fail every connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates } from '@iso8583/test-support';
import { runCli } from './cli-process.js';
import { flowPathProblems } from './flow-problems.js';

type After = { after(fn: () => unknown): void };

function flowFile(t: After, tls: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-connector-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({
    connectors: { bank: { host: '127.0.0.1', port: 8583, tls } },
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } },
  }));
  return file;
}

test('flow connector tls – a ca with no certificate, or a key of another certificate, is refused at its path', (t) => {
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  assert.deepEqual(flowPathProblems(flowFile(t, { ca: 'not a certificate' })), ['/connectors/bank/tls/ca: no PEM certificate']);
  assert.deepEqual(flowPathProblems(flowFile(t, { ca: certs.serverKey })), ['/connectors/bank/tls/ca: no PEM certificate']);
  const mismatch = flowPathProblems(flowFile(t, { ca: certs.ca, cert: certs.clientCert, key: certs.serverKey }));
  assert.equal(mismatch.length, 1);
  assert.match(mismatch[0] as string, /^\/connectors\/bank\/tls\/key: the private key does not go with tls\.cert/);
  // The material never shows in a reason.
  assert.ok(!mismatch[0]?.includes('BEGIN'));
  assert.deepEqual(flowPathProblems(flowFile(t, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey })), []);
  assert.deepEqual(flowPathProblems(flowFile(t, { servername: 'localhost' })), []);
});

test('flow connector tls – run --check names the connector\'s tls.ca and exits 1', async (t) => {
  const r = await runCli(['run', flowFile(t, { ca: 'not a certificate' }), '--check']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_INVALID: flow file .*flow\.json is invalid:\n {2}.*flow\.json:1:\d+ \/connectors\/bank\/tls\/ca: no PEM certificate\n$/);
});

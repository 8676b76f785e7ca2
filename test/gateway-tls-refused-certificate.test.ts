/**
 * rv69d finding 1: the gateway's POS certificate has expired. A terminal that checks the certificate after the
 * handshake and closes its socket (Node's TLS client; any client that sends FIN rather than an alert) left the gateway
 * holding a half-open socket to --first-message-timeout (10 s), then an info line ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT:
 * no ISO8583_ERR_INBOUND_TLS, no word of the certificate. Now the refused handshake is counted and logged at once as a
 * TLS failure naming the expired certificate, and the certificate's expiry is a gauge.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { makeDatedCertificate, waitUntil } from '@iso8583/test-support';
import { startGateway, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'gw-tls-refused-'));
after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('gateway – a terminal refusing the expired POS certificate is logged and counted as a TLS failure, at once', async () => {
  const cert = makeDatedCertificate('20200101000000Z', '20200201000000Z');
  // --first-message-timeout 0: before the fix the half-open socket lived to the handshake timeout (30 s).
  const gw = await startGateway([
    '--upstream', '127.0.0.1:9', '--metrics', '0', '--client-tls-cert', cert.certFile, '--client-tls-key', cert.keyFile,
    '--reversal-journal', join(work, 'j'), '--log-level', 'info', '--first-message-timeout', '0',
  ], { env: { ...process.env, XDG_STATE_HOME: join(work, 'state') } });
  const refused = await new Promise<string>((resolve) => {
    const s = connect({ host: gw.pos.host, port: gw.pos.port, ca: cert.ca, servername: 'localhost' });
    s.on('error', (e: Error & { code?: string }) => resolve(String(e.code)));
    s.on('secureConnect', () => resolve('connected'));
  });
  assert.equal(refused, 'CERT_HAS_EXPIRED', 'the terminal refuses the gateway certificate');
  // Well under the handshake timeout (30 s): a refused handshake is told at once.
  const line = await waitUntil(() => gw.process.stderr().split('\n').find((l) => l.includes('ISO8583_ERR_INBOUND_')), { timeoutMs: 10_000, what: 'a line for the refused handshake' });
  const metrics = await (await fetch(`http://${gw.metrics!.host}:${gw.metrics!.port}/metrics`)).text();
  gw.process.kill('SIGTERM');
  await gw.process.exited;
  cert.cleanup();
  assert.match(line, /"code":"ISO8583_ERR_INBOUND_TLS"/, line);
  assert.match(line, /"cause":"closed by the client during the handshake"/, line);
  assert.match(line, /"certificate":"tls\.cert: the certificate expired on 2020-02-01T00:00:00\.000Z: peers refuse it \(CERT_HAS_EXPIRED\)"/, line);
  assert.match(metrics, /iso8583_inbound_errors_total\{endpoint="pos",code="ISO8583_ERR_INBOUND_TLS"\} 1/, 'counted as a TLS failure');
  assert.match(metrics, /iso8583_inbound_tls_cert_expiry_seconds\{endpoint="pos"\} 1580515200\n/, 'the expiry gauge');
});

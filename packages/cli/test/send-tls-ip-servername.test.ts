// `--tls-servername` an IP address: not sent as SNI (Node would print its DEP0123 warning: RFC 6066 allows host names
// only), the certificate still checked against it (its IP SAN): a certificate for another address is refused.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { makeCertificates } from '@iso8583/test-support';
import { runCli } from './cli-process.js';

const certs = makeCertificates();
const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-ip-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, certs.ca);
after(() => {
  certs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const ECHO = JSON.stringify({ '0': '0800', '11': '000001', '41': 'TERM0001', '70': '301' });

/** A TLS host with the test certificate (IP 127.0.0.1, localhost) that completes handshakes and never answers. */
async function silentTlsHost<T>(use: (port: number, names: (string | false | null)[]) => Promise<T>): Promise<T> {
  const names: (string | false | null)[] = [];
  const sockets: TLSSocket[] = [];
  const server = createServer({ cert: certs.serverCert, key: certs.serverKey }, (socket) => {
    names.push(socket.servername);
    socket.on('error', () => undefined);
    sockets.push(socket);
  });
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    return await use((server.address() as AddressInfo).port, names);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

test('--tls-servername 127.0.0.1: no DEP0123 warning, no SNI sent, the certificate\'s IP SAN verified', async () => {
  await silentTlsHost(async (port, names) => {
    const r = await runCli(['send', '--port', String(port), '--tls-ca', caFile, '--tls-servername', '127.0.0.1', '--timeout', '500'], ECHO);
    assert.ok(!r.stderr.includes('DEP0123'), r.stderr);
    // The handshake passed (the certificate verified against 127.0.0.1): the wait for the answer is what ended.
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_TIMEOUT: /, r.stderr);
    assert.deepEqual(names, [false]);
  });
});

test('--tls-servername 127.0.0.2: a certificate for another address is refused, without DEP0123', async () => {
  await silentTlsHost(async (port) => {
    const r = await runCli(['send', '--port', String(port), '--tls-ca', caFile, '--tls-servername', '127.0.0.2', '--timeout', '500'], ECHO);
    assert.ok(!r.stderr.includes('DEP0123'), r.stderr);
    // The option to look at and Node's reason, naming the address checked and the certificate's.
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_CONNECT_FAILED: tls\.servername: the host's certificate is not for the name checked: .*IP: 127\.0\.0\.2 is not in the cert's list: 127\.0\.0\.1 \(ERR_TLS_CERT_ALTNAME_INVALID\)\n$/, r.stderr);
  });
});

test('--tls-servername localhost: sent as SNI and verified (a host name as before)', async () => {
  await silentTlsHost(async (port, names) => {
    const r = await runCli(['send', '--port', String(port), '--tls-ca', caFile, '--tls-servername', 'localhost', '--timeout', '500'], ECHO);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_TIMEOUT: /, r.stderr);
    assert.deepEqual(names, ['localhost']);
  });
});

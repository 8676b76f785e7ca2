// `--tls-servername` an IP address: not sent as SNI (Node would print its DEP0123 warning: RFC 6066 allows host names
// only), the certificate still checked against it (its IP SAN): a certificate for another address is refused. The
// same in `send` and the gateway (the connector's TLS names) and in `load` (its own connections), which sent the
// address as SNI (Node's DEP0123 on stderr).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { makeCertificates, waitUntil } from '@iso8583/test-support';
import { runCli } from './cli-process.js';
import { startGateway } from './helpers/gateway-process.js';
import { answerFrame, loadCodec } from './helpers/load-host.js';

const certs = makeCertificates();
const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-ip-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, certs.ca);
after(() => {
  certs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const ECHO = JSON.stringify({ '0': '0800', '11': '000001', '41': 'TERM0001', '70': '301' });

/**
 * A TLS host with the test certificate (IP 127.0.0.1, localhost) that completes handshakes, keeps the name each client
 * sent (SNI; `false` for none) and never answers, or, `answering`, answers each 0200 (binary2 frames, iso87ascii) 00.
 */
async function silentTlsHost<T>(use: (port: number, names: (string | false | null)[]) => Promise<T>, answering = false): Promise<T> {
  const names: (string | false | null)[] = [];
  const sockets: TLSSocket[] = [];
  const server = createServer({ cert: certs.serverCert, key: certs.serverKey }, (socket) => {
    names.push(socket.servername);
    socket.on('error', () => undefined);
    sockets.push(socket);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (answering && buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const payload = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + payload.length);
        socket.write(answerFrame(loadCodec.decode(payload).message));
      }
    });
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
    // The flag to look at, then Node's reason naming the addresses (the error's text leaves them out: the gateway's
    // HTTP answers carry it; send's log line with it is below its default level): it was said nowhere.
    const [line, detail, ...rest] = r.stderr.split('\n');
    assert.equal(line, "iso8583: ISO8583_ERR_CONNECTOR_CONNECT_FAILED: --tls-servername: the host's certificate is not for the name checked (ERR_TLS_CERT_ALTNAME_INVALID)", r.stderr);
    assert.match(String(detail), /^iso8583: detail: .*127\.0\.0\.2.* is not in the cert's .*127\.0\.0\.1/, r.stderr);
    assert.deepEqual(rest, [''], r.stderr);
  });
});

test('--tls-servername localhost: sent as SNI and verified (a host name as before)', async () => {
  await silentTlsHost(async (port, names) => {
    const r = await runCli(['send', '--port', String(port), '--tls-ca', caFile, '--tls-servername', 'localhost', '--timeout', '500'], ECHO);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_TIMEOUT: /, r.stderr);
    assert.deepEqual(names, ['localhost']);
  });
});

/** `iso8583 load` of one request with `--tls-ca` and `--tls-servername name`, its summary and its stderr. */
function loadOnce(port: number, name: string): ReturnType<typeof runCli> {
  return runCli(['load', '--port', String(port), '--tls-ca', caFile, '--tls-servername', name, '--clients', '1', '--count', '1', '--json', '--quiet']);
}

test('load --tls-servername 127.0.0.1: no DEP0123 warning, no SNI sent, the certificate\'s IP SAN verified, the request answered', async () => {
  await silentTlsHost(async (port, names) => {
    const r = await loadOnce(port, '127.0.0.1');
    assert.ok(!r.stderr.includes('DEP0123'), r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { answered: number }).answered, 1);
    assert.deepEqual(names, [false]);
  }, true);
});

test('load --tls-servername 127.0.0.2: a certificate for another address is refused, without DEP0123', async () => {
  await silentTlsHost(async (port) => {
    const r = await loadOnce(port, '127.0.0.2');
    assert.ok(!r.stderr.includes('DEP0123'), r.stderr);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_LOAD: no client could connect to 127\.0\.0\.1:\d+ \(ERR_TLS_CERT_ALTNAME_INVALID\)\n$/, r.stderr);
  }, true);
});

test('load --tls-servername localhost: sent as SNI and verified (a host name as before)', async () => {
  await silentTlsHost(async (port, names) => {
    const r = await loadOnce(port, 'localhost');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(names, ['localhost']);
  }, true);
});

test('gateway --tls-servername 127.0.0.1: its link to the bank sends no SNI, verifies the IP SAN, no DEP0123', async (t) => {
  await silentTlsHost(async (port, names) => {
    const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-ip-gateway-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const gateway = await startGateway(t, ['--upstream', `127.0.0.1:${port}`, '--tls-ca', caFile, '--tls-servername', '127.0.0.1',
      '--reversal-journal', join(dir, 'j'), '--listen', '0', '--bind', '127.0.0.1', '--no-http', '--log-level', 'info']);
    // The gateway listens before its link is up: the stop waits for the link (the certificate checked).
    await waitUntil(() => gateway.stderr().includes('"msg":"connected"'), { what: 'the gateway\'s TLS link to the bank' });
    const stderr = await gateway.stop();
    assert.ok(!stderr.includes('DEP0123'), stderr);
    // The link was made (the certificate verified against 127.0.0.1) before the stop closed it.
    assert.match(stderr, /"msg":"connected"/, stderr);
    assert.deepEqual(names, [false]);
  });
});

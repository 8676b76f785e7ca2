// A connector whose client certificate (or CA) is outside its validity period starts (one may have to, to rotate it),
// and says so at start: a warning naming `tls.cert` or `tls.ca` and the date. Every handshake would fail with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { makeCertificates, makeDatedCertificate } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

test('a client certificate not valid yet: the connector starts and warns naming tls.cert and the date', async (t) => {
  const future = makeDatedCertificate('20990101000000Z', '20990102000000Z');
  const certs = makeCertificates();
  const chunks: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => { chunks.push(chunk.toString('utf8')); done(); } }));
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), { tls: { cert: certs.serverCert, key: certs.serverKey } });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, logger, tls: { ca: certs.ca, cert: future.cert, key: future.key, servername: 'localhost' } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
    future.cleanup();
    certs.cleanup();
  });
  // The host asks no client certificate: the request goes through; the warning was logged at start.
  const response = await connector.request(purchase('003301'));
  assert.equal(response['39'], '00');
  const lines = chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  const warned = lines.filter((l) => l.level === 40 && l.field === 'tls.cert');
  assert.equal(warned.length, 1, chunks.join(''));
  assert.equal(warned[0]?.msg, 'tls.cert: the certificate is not valid before 2099-01-01T00:00:00.000Z: peers refuse it (CERT_NOT_YET_VALID)');
  // Coded, as every warning an operator may alert on: it had none.
  assert.equal(warned[0]?.code, 'ISO8583_WARN_TLS_CERT_VALIDITY');
  assert.equal(lines.filter((l) => l.field === 'tls.ca').length, 0, 'the CA is valid');
});

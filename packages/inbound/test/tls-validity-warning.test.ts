// An endpoint whose certificate is outside its validity period starts (one may have to, to rotate it), and says so:
// a warning naming `tls.cert` and the date at start. Every client refused the handshake (CERT_HAS_EXPIRED) while the
// endpoint logged only resets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { makeCertificates, makeDatedCertificate } from '@iso8583/test-support';
import { createInboundEndpoint } from '../src/index.js';
import { approveAll } from './support/endpoint.js';

/** A logger writing to memory, and its lines as parsed JSON. */
function memoryLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => { chunks.push(chunk.toString('utf8')); done(); } });
  const logger = pino({ level: 'info' }, stream);
  return { logger, lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('an expired certificate: the endpoint starts and warns naming tls.cert and the date; a valid one no warning', async (t) => {
  const expired = makeDatedCertificate('20200101000000Z', '20200102000000Z');
  const certs = makeCertificates();
  t.after(() => {
    expired.cleanup();
    certs.cleanup();
  });
  const old = memoryLogger();
  const endpoint = createInboundEndpoint({ port: 0, sequence: approveAll, logger: old.logger, tls: { cert: expired.cert, key: expired.key } });
  await endpoint.start();
  await endpoint.close();
  const warned = old.lines().filter((l) => l.level === 40 && l.field === 'tls.cert');
  assert.equal(warned.length, 1, JSON.stringify(old.lines()));
  assert.equal(warned[0]?.msg, 'tls.cert: the certificate expired on 2020-01-02T00:00:00.000Z: peers refuse it (CERT_HAS_EXPIRED)');
  // Coded, as the connector's line of the same warning: it had none.
  assert.equal(warned[0]?.code, 'ISO8583_WARN_TLS_CERT_VALIDITY');
  const fresh = memoryLogger();
  const valid = createInboundEndpoint({ port: 0, sequence: approveAll, logger: fresh.logger, tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca, requestCert: true } });
  await valid.start();
  await valid.close();
  assert.deepEqual(fresh.lines().filter((l) => typeof l.field === 'string' && String(l.field).startsWith('tls.')), []);
});

// A failed connection attempt is logged with its reason (`connection failed`, code and reason): without it an operator
// cannot tell a host that refuses from a certificate the CA does not vouch for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { pino } from 'pino';
import { makeCertificates } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';

/** A logger whose lines go to `lines`; `next(pattern)` resolves with the first line that matches. */
function capture(): { logger: pino.Logger; next: (pattern: RegExp) => Promise<Record<string, unknown>> } {
  const lines: string[] = [];
  const waiting: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const logger = pino({ level: 'info' }, {
    write: (line: string) => {
      lines.push(line);
      for (const w of [...waiting]) if (w.pattern.test(line)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
    },
  });
  const next = (pattern: RegExp): Promise<Record<string, unknown>> => {
    const seen = lines.find((l) => pattern.test(l));
    const line = seen !== undefined ? Promise.resolve(seen) : new Promise<string>((resolve) => waiting.push({ pattern, resolve }));
    return line.then((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { logger, next };
}

test('connection failed is logged with its reason: a refused port', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const { logger, next } = capture();
  const connector = createConnector({ name: 'bank', host: '127.0.0.1', port, logger });
  t.after(() => connector.destroy());
  const attempt = connector.connect().catch(() => undefined);
  const line = await next(/"msg":"connection failed"/);
  assert.equal(line.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED');
  assert.match(String(line.reason), /ECONNREFUSED/);
  await connector.destroy();
  await attempt;
});

test('connection failed is logged with its reason: a server certificate the CA does not vouch for', async (t) => {
  const certs = makeCertificates();
  t.after(() => certs.cleanup());
  const server = tls.createServer({ cert: certs.serverCert, key: certs.serverKey }, (socket) => socket.on('error', () => undefined));
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { logger, next } = capture();
  const port = (server.address() as net.AddressInfo).port;
  const connector = createConnector({ name: 'bank', host: '127.0.0.1', port, tls: { ca: certs.otherCa }, logger });
  t.after(() => connector.destroy());
  const attempt = connector.connect().catch(() => undefined);
  const line = await next(/"msg":"connection failed"/);
  assert.equal(line.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED');
  assert.match(String(line.reason), /\((UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)\)/);
  await connector.destroy();
  await attempt;
});

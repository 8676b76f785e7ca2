// A bank certificate that does not hold the name checked: the error said Node's reason, `Host: 127.0.0.2. is not
// cert's CN: ...` / `IP: 127.0.0.2 is not in the cert's list: 127.0.0.1`, naming the bank's address and the
// certificate's names, and the gateway returns that text to HTTP clients. Now the error (its message and its JSON) says
// only that the certificate is not for the name checked, naming `tls.servername`; Node's reason is in the `connection
// failed` log line alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { makeCertificates } from '@iso8583/test-support';
import type { Iso8583Error } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import { purchase } from './peer.js';

test('a certificate not for the address: no address nor certificate name in the error; Node reason in the log line', async (t) => {
  const certs = makeCertificates(); // the host's certificate: IP 127.0.0.1, DNS localhost
  const server = createServer({ cert: certs.serverCert, key: certs.serverKey }, (socket) => socket.on('error', () => undefined));
  server.listen(0, '127.0.0.2');
  await once(server, 'listening');
  const chunks: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _enc, done) => { chunks.push(chunk.toString('utf8')); done(); } }));
  const connector = createConnector({ host: '127.0.0.2', port: (server.address() as AddressInfo).port, logger, tls: { ca: certs.ca } });
  t.after(async () => {
    await connector.destroy();
    await new Promise((resolve) => server.close(resolve));
    certs.cleanup();
  });
  const err = await connector.request(purchase('005701')).then(() => assert.fail('answered'), (e: Iso8583Error) => e);
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED', err.message);
  assert.equal(err.field, 'tls.servername');
  const told = `${err.message} ${JSON.stringify(err)}`;
  for (const secret of ['127.0.0.2', '127.0.0.1', 'localhost']) assert.ok(!told.includes(secret), `${secret} in ${told}`);
  assert.match(err.message, /^tls\.servername: the host's certificate is not for the name checked .*\(ERR_TLS_CERT_ALTNAME_INVALID\)$/);
  const failed = chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'connection failed');
  assert.ok(failed.length >= 1, chunks.join(''));
  assert.match(String(failed[0]?.detail), /127\.0\.0\.2.*127\.0\.0\.1/);
});

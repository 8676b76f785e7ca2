// The gateway's TLS errors and warnings named the connector's options (`tls.servername`, `tls.ca`, `tls.cert`) that its
// operator never set: each now names the flag or config key that gave the setting (`--tls-servername`, `--tls-ca`,
// `/upstreams/0/tlsCa`, `--tls-cert`), as `--tls-insecure` was named already; the flag also when it was not given
// (`--tls` alone and a bank certificate from a private CA: `--tls-ca`, was `tls.ca`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from 'node:tls';
import { pino } from 'pino';
import { createConnector } from '@iso8583/connector';
import type { Iso8583Error } from '@iso8583/codec';
import { makeCertificates, makeDatedCertificate } from '@iso8583/test-support';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { upstreamOptions } from '../src/gateway/upstream-options.js';

test('a refused bank certificate and a certificate outside its validity name the gateway\'s flag or key', async (t) => {
  const certs = makeCertificates();
  const future = makeDatedCertificate('20990101000000Z', '20990102000000Z');
  const dir = mkdtempSync(join(tmpdir(), 'fix57f-sources-'));
  const file = (name: string, pem: string): string => {
    writeFileSync(join(dir, name), pem);
    return join(dir, name);
  };
  const ca = file('ca.pem', certs.ca);
  const otherCa = file('other-ca.pem', certs.otherCa);
  const server = createServer({ cert: certs.serverCert, key: certs.serverKey }, (socket) => socket.on('error', () => undefined));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const upstream = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const connectors: ReturnType<typeof createConnector>[] = [];
  t.after(async () => {
    for (const c of connectors) await c.destroy();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
    certs.cleanup();
    future.cleanup();
  });
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  }));
  const refusal = async (args: string[], upstreams?: Record<string, unknown>[]): Promise<Iso8583Error> => {
    const parsed = parseGatewayArgs(['--upstream', upstream, '--no-reversal', ...args]).config;
    const config = upstreams === undefined ? parsed : { ...parsed, upstreams: upstreams as never };
    const connector = createConnector({ ...upstreamOptions(config, logger, undefined, config.upstreams?.[0]), reconnect: { initialDelay: 60_000, maxDelay: 60_000 } });
    connectors.push(connector);
    return connector.connect().then(() => assert.fail('connected'), (e: Iso8583Error) => e);
  };
  const named = await refusal(['--tls-ca', ca, '--tls-servername', 'bank.example']);
  assert.equal(named.field, '--tls-servername', named.message);
  assert.match(named.message, /^--tls-servername: the host's certificate is not for the name checked/);
  const untrusted = await refusal(['--tls-ca', otherCa]);
  assert.equal(untrusted.field, '--tls-ca', untrusted.message);
  const own = await refusal([], [{ name: 'bank', upstream, tlsCa: otherCa }]);
  assert.equal(own.field, '/upstreams/0/tlsCa', own.message);
  // No CA given (a bank certificate from a private CA): the flag that would make it trusted, not tls.ca.
  const noCa = await refusal(['--tls']);
  assert.equal(noCa.field, '--tls-ca', noCa.message);
  assert.match(noCa.message, /^--tls-ca: the host's certificate does not verify/);
  const ownNoCa = await refusal([], [{ name: 'bank', upstream, tls: true }]);
  assert.equal(ownNoCa.field, '--tls-ca', ownNoCa.message);
  // A client certificate not valid yet: the warning at start names the flag.
  await refusal(['--tls-ca', otherCa, '--tls-cert', file('future.pem', future.cert), '--tls-key', file('future.key', future.key)]);
  const validity = lines.filter((l) => l.code === 'ISO8583_WARN_TLS_CERT_VALIDITY');
  assert.deepEqual(validity.map((l) => l.field), ['--tls-cert'], JSON.stringify(lines));
  assert.match(String(validity[0]?.msg), /^--tls-cert: the certificate is not valid before 2099-01-01/);
});

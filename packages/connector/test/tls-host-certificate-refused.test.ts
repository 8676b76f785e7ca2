// A host certificate that fails the check: CONNECT_FAILED said OpenSSL's bare code (`cannot connect to the host
// (CERT_HAS_EXPIRED)`), named no option and no date. Now it names `tls.ca` (a chain the CA does not vouch for, a
// certificate outside its validity, with its date) or `tls.servername` (a name the certificate does not hold; Node's
// reason naming both only in the log line: tls-name-mismatch-private.test.ts), and nothing is written to such a host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCertificates, makeDatedCertificate } from '@iso8583/test-support';
import type { Iso8583Error } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import type { ConnectorTlsOptions } from '../src/index.js';
import { answer, startPeer } from './peer.js';

/** The error of a connector to a TLS host showing `cert`/`key`, with `tls`. */
async function refusal(t: { after(fn: () => Promise<void>): void }, host: { cert: string; key: string }, tls: ConnectorTlsOptions): Promise<Iso8583Error> {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), { tls: host });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, tls });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const err = await connector.connect().then(() => assert.fail('connected'), (e: Iso8583Error) => e);
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED', err.message);
  assert.equal(peer.received.length, 0);
  return err;
}

test('a host certificate that expired: tls.ca, its date and the code', async (t) => {
  const expired = makeDatedCertificate('20200101000000Z', '20200102000000Z');
  t.after(async () => expired.cleanup());
  const err = await refusal(t, { cert: expired.cert, key: expired.key }, { ca: expired.ca, servername: 'localhost' });
  assert.equal(err.field, 'tls.ca');
  assert.equal(err.message, "tls.ca: the host's certificate does not verify with the CA certificates given: certificate has expired: the host's certificate expired on 2020-01-02T00:00:00.000Z (CERT_HAS_EXPIRED)");
});

test('a host certificate not valid yet: tls.ca and the date it starts', async (t) => {
  const future = makeDatedCertificate('20990101000000Z', '20990102000000Z');
  t.after(async () => future.cleanup());
  const err = await refusal(t, { cert: future.cert, key: future.key }, { ca: future.ca, servername: 'localhost' });
  assert.match(err.message, /^tls\.ca: .*: the host's certificate is not valid before 2099-01-01T00:00:00\.000Z \(CERT_NOT_YET_VALID\)$/);
});

test('a host certificate of a CA not given, and a name it does not hold: tls.ca, tls.servername', async (t) => {
  const certs = makeCertificates();
  t.after(async () => certs.cleanup());
  const host = { cert: certs.serverCert, key: certs.serverKey };
  const untrusted = await refusal(t, host, { ca: certs.otherCa, servername: 'localhost' });
  assert.equal(untrusted.field, 'tls.ca');
  assert.match(untrusted.message, /^tls\.ca: the host's certificate does not verify with the CA certificates given: .+ \([A-Z_]+\)$/);
  const named = await refusal(t, host, { ca: certs.ca, servername: 'bank.example' });
  assert.equal(named.field, 'tls.servername');
  // Not the name nor the certificate's names (the gateway returns the text to HTTP clients): the log line says them.
  assert.equal(named.message, "tls.servername: the host's certificate is not for the name checked (ERR_TLS_CERT_ALTNAME_INVALID)");
});

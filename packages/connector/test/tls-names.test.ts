// The names of a TLS connect (`tlsNames`, the one rule of the connector's connections and of `iso8583 load`): SNI
// carries host names only, an IP address `servername` is checked against the certificate (its IP SAN) and not sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { createConnector, tlsNames } from '../src/index.js';

/** A certificate as `checkServerIdentity` reads it: its subject alternative names only. */
const certFor = (san: string): PeerCertificate => ({ subject: {}, subjectaltname: san }) as unknown as PeerCertificate;

test('without a servername: the host is sent unless it is an address', () => {
  assert.deepEqual(tlsNames('bank.example', undefined), { servername: 'bank.example' });
  assert.deepEqual(tlsNames('127.0.0.1', undefined), { servername: undefined });
  assert.deepEqual(tlsNames('::1', undefined), { servername: undefined });
});

test('a host name servername is sent, whatever the host', () => {
  assert.deepEqual(tlsNames('10.0.0.1', 'bank.example'), { servername: 'bank.example' });
});

test('an IP address servername is not sent; the certificate is checked against it, not against the host', () => {
  const names = tlsNames('bank.example', '127.0.0.1');
  assert.equal(names.servername, undefined);
  assert.equal(names.checkServerIdentity?.('bank.example', certFor('IP Address:127.0.0.1')), undefined);
  assert.match(String(names.checkServerIdentity?.('bank.example', certFor('IP Address:127.0.0.2'))), /IP: 127\.0\.0\.1 is not in the cert's list: 127\.0\.0\.2/);
});

// An empty servername was taken and turned SNI off (and checked the certificate against nothing given): refused.
test('tls.servername empty: refused with ISO8583_ERR_CONNECTOR_OPTIONS naming it', () => {
  assert.throws(
    () => createConnector({ host: 'bank.example', port: 9, tls: { servername: '' } }),
    (err: { code?: string; problems?: { field?: string }[] }) =>
      err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.problems?.length === 1 && err.problems[0]?.field === 'tls.servername',
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIso8583Error } from '@iso8583/codec';
import { makeCertificates } from '@iso8583/test-support';
import { createInboundEndpoint, tlsMaterialProblem } from '../src/index.js';
import type { InboundTlsOptions } from '../src/index.js';
import { approveAll } from './support/endpoint.js';

const certs = makeCertificates();
const good: InboundTlsOptions = { cert: certs.serverCert, key: certs.serverKey };

test('tls options – bad material is refused at creation with ISO8583_ERR_INBOUND_OPTIONS naming tls.cert, tls.key or tls.ca', () => {
  const cases: Array<[InboundTlsOptions, string]> = [
    [{ ...good, ca: 'garbage, not a certificate' }, 'tls.ca'],
    [{ ...good, ca: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }, 'tls.ca'],
    [{ ...good, cert: 'garbage' }, 'tls.cert'],
    [{ ...good, cert: '' }, 'tls.cert'],
    [{ ...good, key: 'garbage' }, 'tls.key'],
    [{ ...good, key: certs.clientKey }, 'tls.key'],
  ];
  for (const [tls, field] of cases) {
    assert.throws(() => createInboundEndpoint({ port: 0, sequence: approveAll, tls }), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
      assert.ok(err.problems?.some((p) => p.field === field), `${field}: ${err.message}`);
      assert.ok(!err.message.includes('PRIVATE KEY') && !err.message.includes('garbage'), 'never the material');
      return true;
    }, field);
  }
});

test('tls options – good material, with or without a CA, is accepted', () => {
  createInboundEndpoint({ port: 0, sequence: approveAll, tls: good });
  createInboundEndpoint({ port: 0, sequence: approveAll, tls: { ...good, ca: certs.ca, requestCert: true } });
  assert.equal(tlsMaterialProblem({ cert: { pem: certs.serverCert, name: 'c' }, key: { pem: certs.serverKey, name: 'k' } }), undefined);
});

test('tls material – moved to @iso8583/codec, still exported by inbound and its import path, as the same function', async () => {
  const codec = await import('@iso8583/codec');
  const codecPath = await import('@iso8583/codec/tls-material');
  const inboundPath = await import('@iso8583/inbound/tls-material');
  assert.equal(tlsMaterialProblem, codec.tlsMaterialProblem);
  assert.equal(codecPath.tlsMaterialProblem, codec.tlsMaterialProblem);
  assert.equal(inboundPath.tlsMaterialProblem, codec.tlsMaterialProblem);
  assert.deepEqual(inboundPath.tlsMaterialProblem({ ca: { pem: '', name: 'tls.ca' } }), { name: 'tls.ca', reason: 'no PEM certificate' });
});

test('tls options – ca without requestCert, and requestCert without ca, are refused naming the option given alone', () => {
  // ca alone: no client certificate was asked for, any client got in; requestCert alone: any certificate of the
  // system's public CAs passed. Neither is what the options say.
  const cases: Array<[InboundTlsOptions, string]> = [
    [{ ...good, ca: certs.ca }, 'tls.ca'],
    [{ ...good, ca: certs.ca, requestCert: false }, 'tls.ca'],
    [{ ...good, requestCert: true }, 'tls.requestCert'],
  ];
  for (const [tls, field] of cases) {
    assert.throws(() => createInboundEndpoint({ port: 0, sequence: approveAll, tls }), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
      assert.deepEqual(err.problems?.map((p) => p.field), [field], err.message);
      assert.ok(!err.message.includes('BEGIN CERTIFICATE'), 'never the material');
      return true;
    }, field);
  }
});

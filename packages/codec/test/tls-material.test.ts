// tlsMaterialProblem, the one check of TLS material (the connector's and inbound endpoint's `tls` options, the
// `iso8583` command's TLS files): what Node's TLS would take and then fail every handshake with is refused first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { makeCertificates, makeDatedCertificate } from '@iso8583/test-support';
import { tlsMaterialProblem, tlsMaterialWarnings } from '../src/tls-material.js';

const certs = makeCertificates();
test.after(() => certs.cleanup());

/** A fresh private key of `type`, PEM (PKCS #8). */
function keyOf(type: 'rsa' | 'ed25519' | 'ec'): string {
  if (type === 'rsa') return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  if (type === 'ec') return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}

test('a private key of another type than the certificate\'s is refused: it does not go with it', () => {
  // The test certificates are EC (P-256): an RSA or Ed25519 key passed OpenSSL's pair check.
  for (const type of ['rsa', 'ed25519'] as const) {
    const problem = tlsMaterialProblem({ cert: { pem: certs.serverCert, name: 'tls.cert' }, key: { pem: keyOf(type), name: 'tls.key' } });
    assert.deepEqual(problem, { name: 'tls.key', reason: `the private key does not go with tls.cert (an ${type.toUpperCase()} key for an EC certificate)` }, type);
  }
  const inFiles = tlsMaterialProblem({ cert: { pem: certs.serverCert, name: '--tls-cert', where: 'c.pem' }, key: { pem: keyOf('ed25519'), name: '--tls-key', where: 'k.pem' } });
  assert.equal(inFiles?.reason, 'the private key in k.pem does not go with the certificate in c.pem (--tls-cert) (an ED25519 key for an EC certificate)');
  // Another key of the same type: OpenSSL's reason, as before; the certificate's own key passes.
  const other = tlsMaterialProblem({ cert: { pem: certs.serverCert, name: 'tls.cert' }, key: { pem: keyOf('ec'), name: 'tls.key' } });
  assert.match(other?.reason ?? '', /^the private key does not go with tls\.cert \(ERR_OSSL_X509_KEY_VALUES_MISMATCH/);
  assert.equal(tlsMaterialProblem({ cert: { pem: certs.serverCert, name: 'tls.cert' }, key: { pem: certs.serverKey, name: 'tls.key' } }), undefined);
});

test('a CA text of many BEGIN lines and no END is refused at once: the blocks are found in one pass', () => {
  // 1 MiB, the most a TLS file the command reads may hold: the lazy regular expression took 17 s on it (quadratic).
  const pem = '-----BEGIN CERTIFICATE-----\n'.repeat(Math.floor((1024 * 1024) / 28));
  const started = performance.now();
  const problem = tlsMaterialProblem({ ca: { pem, name: 'tls.ca' } });
  const took = performance.now() - started;
  assert.deepEqual(problem, { name: 'tls.ca', reason: 'no PEM certificate' });
  assert.ok(took < 2000, `took ${Math.round(took)} ms (linear work takes a few)`);
  // Blocks are still each BEGIN to the first END after it: two certificates with text around them pass.
  assert.equal(tlsMaterialProblem({ ca: { pem: `junk\n${certs.ca}between\n${certs.otherCa}after`, name: 'tls.ca' } }), undefined);
  const cut = certs.ca.slice(0, certs.ca.indexOf('-----END'));
  assert.deepEqual(tlsMaterialProblem({ ca: { pem: `${cut}\n${certs.otherCa}`, name: 'tls.ca' } })?.name, 'tls.ca');
});

test('an encrypted private key is refused as encrypted, not as a bad decrypt: give it decrypted', () => {
  const encrypted = {
    pkcs8: generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'test-pass' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey,
    legacy: generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'test-pass' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey,
  };
  assert.match(encrypted.legacy, /Proc-Type: 4,ENCRYPTED/);
  for (const [form, pem] of Object.entries(encrypted)) {
    const problem = tlsMaterialProblem({ cert: { pem: certs.serverCert, name: '--tls-cert', where: 'c.pem' }, key: { pem, name: '--tls-key', where: 'k.pem' } });
    assert.equal(problem?.name, '--tls-key', form);
    assert.match(problem?.reason ?? '', /^the private key in k\.pem is encrypted: encrypted keys are not supported \(no passphrase is taken\); give it decrypted \(openssl pkey /, form);
  }
});

test('a certificate or CA outside its validity period is a warning naming it and its date; a valid one none', () => {
  const leaf = new X509Certificate(certs.serverCert);
  const validTo = new Date(leaf.validTo);
  const validFrom = new Date(leaf.validFrom);
  const material = {
    cert: { pem: certs.serverCert, name: '--tls-cert', where: 'c.pem' },
    key: { pem: certs.serverKey, name: '--tls-key', where: 'k.pem' },
    ca: { pem: `${certs.ca}${certs.otherCa}`, name: '--tls-ca', where: 'ca.pem' },
  };
  assert.deepEqual(tlsMaterialWarnings(material), []);
  assert.equal(tlsMaterialProblem(material), undefined, 'a warning, never a refusal');
  // The test certificates are valid for 2 days from when they were made.
  const after = tlsMaterialWarnings(material, new Date(validTo.getTime() + 3 * 86_400_000));
  assert.deepEqual(after.map((w) => w.name), ['--tls-cert', '--tls-ca']);
  assert.equal(after[0]?.reason, `the certificate in c.pem expired on ${validTo.toISOString()}: peers refuse it (CERT_HAS_EXPIRED)`);
  assert.match(after[1]?.reason ?? '', /^every one of the 2 CA certificates in ca\.pem is outside its validity period \(the first expired on \S+Z\): they cannot verify any peer \(CERT_HAS_EXPIRED\)$/);
  const before = tlsMaterialWarnings({ cert: { pem: certs.serverCert, name: 'tls.cert' } }, new Date(validFrom.getTime() - 86_400_000));
  assert.deepEqual(before, [{ name: 'tls.cert', reason: `the certificate is not valid before ${validFrom.toISOString()}: peers refuse it (CERT_NOT_YET_VALID)` }]);
  // A text with no certificate (tlsMaterialProblem's) gives no warning.
  assert.deepEqual(tlsMaterialWarnings({ ca: { pem: 'not a certificate', name: 'tls.ca' } }), []);
});

test('CA text: an expired CA among valid ones (a system trust store) gives no warning; one that can verify nothing does', (t) => {
  const expired = makeDatedCertificate('20200101000000Z', '20200102000000Z');
  t.after(() => expired.cleanup());
  assert.deepEqual(tlsMaterialWarnings({ ca: { pem: `${expired.cert}${certs.ca}`, name: '--tls-ca', where: 'ca.pem' } }), []);
  assert.deepEqual(tlsMaterialWarnings({ ca: { pem: expired.cert, name: '--tls-ca', where: 'ca.pem' } }), [
    { name: '--tls-ca', reason: 'the CA certificate in ca.pem expired on 2020-01-02T00:00:00.000Z: it cannot verify any peer (CERT_HAS_EXPIRED)' },
  ]);
  // The certificate file's chain still warns for each certificate outside its validity: peers see it.
  assert.equal(tlsMaterialWarnings({ cert: { pem: `${certs.serverCert}${expired.cert}`, name: 'tls.cert' } }).length, 1);
  const bundle = '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(bundle)) {
    assert.deepEqual(tlsMaterialWarnings({ ca: { pem: readFileSync(bundle, 'utf8'), name: '--tls-ca', where: bundle } }), [], 'the system bundle');
  }
});

/** `pem` in OpenSSL's trusted form (`BEGIN TRUSTED CERTIFICATE`: the certificate and its trust settings), by openssl. */
function trusted(pem: string): string {
  return execFileSync('openssl', ['x509', '-trustout', '-addtrust', 'serverAuth'], { input: pem, encoding: 'utf8' });
}

test('a CA in OpenSSL\'s trusted form (BEGIN TRUSTED CERTIFICATE, as Node takes it) is taken, and its validity read', (t) => {
  // Refused before as `no PEM certificate`: only BEGIN CERTIFICATE blocks were looked for.
  const ca = trusted(certs.ca);
  assert.match(ca, /^-----BEGIN TRUSTED CERTIFICATE-----/);
  assert.equal(tlsMaterialProblem({ ca: { pem: ca, name: '--tls-ca', where: 'ca-trusted.pem' } }), undefined);
  assert.equal(tlsMaterialProblem({ ca: { pem: `${ca}${certs.otherCa}`, name: 'tls.ca' } }), undefined, 'mixed with a plain block');
  const expired = makeDatedCertificate('20200101000000Z', '20200102000000Z');
  t.after(() => expired.cleanup());
  assert.deepEqual(tlsMaterialWarnings({ ca: { pem: trusted(expired.cert), name: '--tls-ca', where: 'ca.pem' } }), [
    { name: '--tls-ca', reason: 'the CA certificate in ca.pem expired on 2020-01-02T00:00:00.000Z: it cannot verify any peer (CERT_HAS_EXPIRED)' },
  ]);
  // A trusted block that is not a certificate is refused as one that cannot be read.
  const broken = '-----BEGIN TRUSTED CERTIFICATE-----\nAAAA\n-----END TRUSTED CERTIFICATE-----\n';
  assert.match(tlsMaterialProblem({ ca: { pem: broken, name: 'tls.ca' } })?.reason ?? '', /^a certificate in it cannot be read/);
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A test CA, a server certificate for 127.0.0.1/localhost and a client certificate, all signed by the CA (PEM). */
export interface TestCertificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA that signed nothing here: a peer trusting only it must refuse our certificates. */
  otherCa: string;
  /** Removes the temporary folder the files were made in. */
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]);
}

function makeLeaf(dir: string, name: string, ca: string, ext: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
}

/** Makes fresh TLS material with the openssl command in a temporary folder (a few tens of milliseconds). */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-'));
  makeCa(dir, 'test-ca');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'server', 'test-ca',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  makeLeaf(dir, 'client', 'test-ca', 'extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n');
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8');
  return {
    ca: read('test-ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    otherCa: read('other-ca.crt'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A certificate with dates of the test's choosing (an expired one, one not valid yet) and its key, PEM text. */
export interface DatedCertificate {
  /** The certificate (CN=localhost), signed by a throwaway test CA. */
  cert: string;
  /** Its private key. */
  key: string;
  /** The throwaway CA's certificate (PEM): trusting it makes this certificate fail on its dates alone. */
  ca: string;
  /** The certificate's file (PEM), for a command's flag. */
  certFile: string;
  /** The key's file (PEM). */
  keyFile: string;
  /** Removes the temporary folder the files were made in. */
  cleanup(): void;
}

/**
 * Makes a certificate valid from `start` to `end` (openssl's `YYYYMMDDHHMMSSZ`, e.g. `20200101000000Z`), as `openssl
 * req -x509` cannot (it counts days from now): signed by a throwaway CA with `openssl ca`, which takes both dates.
 */
export function makeDatedCertificate(start: string, end: string): DatedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-tls-dated-'));
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', 'database = index.txt', 'new_certs_dir = .', 'certificate = ca.crt',
    'private_key = ca.key', 'default_md = sha256', 'policy = any', 'rand_serial = yes', '[any]', 'commonName = supplied', '',
  ].join('\n'));
  makeCa(dir, 'ca');
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
    '-keyout', 'leaf.key', '-out', 'leaf.csr']);
  openssl(dir, ['ca', '-batch', '-config', 'ca.cnf', '-in', 'leaf.csr', '-out', 'leaf.crt', '-startdate', start, '-enddate', end, '-notext']);
  const certFile = join(dir, 'leaf.crt');
  const keyFile = join(dir, 'leaf.key');
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    certFile,
    keyFile,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

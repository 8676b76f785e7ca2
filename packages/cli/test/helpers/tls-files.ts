/**
 * TLS material for the command's flags, which take files: test-support's fresh certificates written as PEM files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates } from '@iso8583/test-support';

/** The paths of the PEM files {@link tlsFiles} wrote. */
export interface TlsFiles {
  /** The server certificate (127.0.0.1 and localhost), for `--tls-cert`. */
  serverCert: string;
  /** The server certificate's key, for `--tls-key`. */
  serverKey: string;
  /** The CA that signed it, for `--tls-ca`. */
  ca: string;
}

/** Makes fresh certificates and writes them as PEM files in a fresh folder (`iso8583-<prefix>-…`); both removed after the test. */
export function tlsFiles(t: { after(fn: () => void): void }, prefix: string): TlsFiles {
  const certs = makeCertificates();
  const dir = mkdtempSync(join(tmpdir(), `iso8583-${prefix}-`));
  t.after(() => {
    certs.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = (name: string, pem: string): string => {
    writeFileSync(join(dir, name), pem);
    return join(dir, name);
  };
  return { serverCert: file('server.pem', certs.serverCert), serverKey: file('server.key', certs.serverKey), ca: file('ca.pem', certs.ca) };
}

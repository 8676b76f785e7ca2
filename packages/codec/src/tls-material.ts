/**
 * TLS material (PEM text) checked as Node's TLS will use it (`tls.createSecureContext`), before any socket opens: one
 * home for the check, used by the connector's and the inbound endpoint's `tls` options and by the `iso8583` command's
 * TLS flags. Node takes some bad material silently (a CA with no certificate: then it trusts nothing, and a connector
 * fails every handshake, a listener refuses every client; an empty certificate or key), and refuses the rest only when
 * a socket opens or a server starts, with a bare OpenSSL error naming no option. `tlsMaterialWarnings` tells what Node
 * takes and every peer then refuses, but an operator may need to start with: a certificate outside its validity. Uses `node:crypto` and `node:tls`
 * only, nothing else of the codec (the import path `@iso8583/codec/tls-material` loads it alone).
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';

/** One piece of TLS material, PEM text, with the name of what gave it (an option path, a flag). */
export interface TlsPem {
  /** The PEM text. */
  pem: string;
  /** What gave it, as the problem names it: `tls.cert`, `--tls-key`. */
  name: string;
  /** The file it was read from, named in the reason (never its content). Default: none (an option's value). */
  where?: string;
}

/** ` in <file>` when the material came from a file, else nothing. */
function inFile(part: TlsPem): string {
  return part.where === undefined ? '' : ` in ${part.where}`;
}

/** TLS material to check: CA certificates, a certificate and its private key; each optional. */
export interface TlsMaterialInput {
  ca?: TlsPem;
  cert?: TlsPem;
  key?: TlsPem;
}

/** What is wrong with one piece of TLS material: its name and the reason (OpenSSL's code and reason, never a byte of it). */
export interface TlsMaterialProblem {
  name: string;
  reason: string;
}

/** OpenSSL's code and reason of `err`, in brackets, or nothing. */
function because(err: unknown): string {
  const e = err as { code?: unknown; reason?: unknown };
  const reason = [e.code, e.reason].filter((x) => typeof x === 'string').join(': ');
  return reason === '' ? '' : ` (${reason})`;
}

/** An encrypted PEM key: PKCS #8 (`BEGIN ENCRYPTED PRIVATE KEY`) or OpenSSL's legacy form (`Proc-Type: 4,ENCRYPTED`). */
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type:[ \t]*4,ENCRYPTED/m;

/** A PEM certificate's BEGIN line: X.509 (`CERTIFICATE`) or OpenSSL's trusted form (`TRUSTED CERTIFICATE`). */
const BEGIN_CERTIFICATE = '-----BEGIN (TRUSTED )?CERTIFICATE-----';

/**
 * The PEM certificate blocks of `text` (`BEGIN CERTIFICATE`, and OpenSSL's `BEGIN TRUSTED CERTIFICATE` that Node's TLS
 * takes too: RHEL's ca-bundle.trust.crt, `openssl x509 -trustout`), each from its BEGIN line to the first END line of
 * its kind after it, in one pass (from where the last block ended: linear; a lazy regular expression was quadratic on
 * many BEGIN lines and no END, 17 s on 1 MiB). A BEGIN with no END after it ends the scan.
 */
function certificateBlocks(text: string): string[] {
  const blocks: string[] = [];
  const begin = new RegExp(BEGIN_CERTIFICATE, 'g');
  for (;;) {
    const found = begin.exec(text);
    if (found === null) return blocks;
    const endLine = `-----END ${found[1] ?? ''}CERTIFICATE-----`;
    const end = text.indexOf(endLine, begin.lastIndex);
    if (end < 0) return blocks;
    begin.lastIndex = end + endLine.length;
    blocks.push(text.slice(found.index, begin.lastIndex));
  }
}

/**
 * The certificate of a PEM block of {@link certificateBlocks}; throws when it cannot be read. A trusted block holds the
 * certificate's DER followed by OpenSSL's trust settings: the certificate is its first DER element (a SEQUENCE).
 */
function readCertificate(block: string): X509Certificate {
  if (!block.startsWith('-----BEGIN TRUSTED ')) return new X509Certificate(block);
  const body = block.slice(block.indexOf('\n') + 1, block.lastIndexOf('-----END '));
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const first = der[1] ?? 0;
  const lengthBytes = first < 0x80 ? 0 : first & 0x7f;
  let length = first < 0x80 ? first : 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + (der[2 + i] ?? 0);
  if (der[0] !== 0x30 || lengthBytes > 4) throw new Error('not a DER certificate');
  return new X509Certificate(der.subarray(0, 2 + lengthBytes + length));
}

/**
 * The first problem of TLS material, or `undefined` when Node's TLS can use it: the CA text holds at least one PEM
 * certificate and each parses; the certificate parses; the key is a private key (not encrypted); the key belongs to
 * the certificate (its type too). A reason never holds the material itself.
 */
export function tlsMaterialProblem(material: TlsMaterialInput): TlsMaterialProblem | undefined {
  const { ca, cert, key } = material;
  if (ca !== undefined) {
    const blocks = certificateBlocks(ca.pem);
    if (blocks.length === 0) return { name: ca.name, reason: `no PEM certificate${inFile(ca)}` };
    for (const block of blocks) {
      try {
        readCertificate(block);
      } catch (err) {
        return { name: ca.name, reason: `a certificate in ${ca.where ?? 'it'} cannot be read${because(err)}` };
      }
    }
  }
  for (const [part, what] of [[cert, 'certificate'], [key, 'private key']] as const) {
    if (part === undefined) continue;
    if (!part.pem.includes('-----BEGIN ')) return { name: part.name, reason: `no PEM ${what}${inFile(part)}` };
    if (what === 'private key' && ENCRYPTED_KEY.test(part.pem)) {
      return { name: part.name, reason: `the private key${inFile(part)} is encrypted: encrypted keys are not supported (no passphrase is taken); give it decrypted (openssl pkey -in ENCRYPTED -out DECRYPTED, the file readable by this user only)` };
    }
    try {
      createSecureContext(what === 'certificate' ? { cert: part.pem } : { key: part.pem });
    } catch (err) {
      return { name: part.name, reason: `the ${what}${inFile(part)} cannot be used${because(err)}` };
    }
  }
  if (cert !== undefined && key !== undefined) {
    const mismatch = keyMismatch(cert.pem, key.pem);
    if (mismatch !== undefined) {
      const other = cert.where === undefined ? cert.name : `the certificate in ${cert.where} (${cert.name})`;
      return { name: key.name, reason: `the private key${inFile(key)} does not go with ${other}${mismatch}` };
    }
  }
  return undefined;
}

/**
 * Why the private key `keyPem` is not the key of the certificate `certPem` (its first, the one Node's TLS presents), in
 * brackets; `undefined` when it is. OpenSSL's check (`createSecureContext`) finds another key of the certificate's type
 * only: a key of another type (an EC or Ed25519 key for an RSA certificate) passes it, and fails every handshake.
 */
function keyMismatch(certPem: string, keyPem: string): string | undefined {
  try {
    createSecureContext({ cert: certPem, key: keyPem });
    const certificate = new X509Certificate(certPem);
    const privateKey = createPrivateKey(keyPem);
    if (certificate.checkPrivateKey(privateKey)) return undefined;
    const have = privateKey.asymmetricKeyType ?? 'unknown';
    const want = certificate.publicKey.asymmetricKeyType ?? 'unknown';
    return have === want ? " (its public key is not the certificate's)" : ` (an ${have.toUpperCase()} key for an ${want.toUpperCase()} certificate)`;
  } catch (err) {
    return because(err);
  }
}

/** A certificate outside its validity period at a time: expired or not yet valid, and the date that says it. */
interface OutOfValidity {
  expired: boolean;
  date: Date;
}

/** The certificates of PEM `blocks` at `now`, in order: `undefined` for one valid (or that cannot be read). */
function outOfValidity(blocks: readonly string[], now: Date): (OutOfValidity | undefined)[] {
  return blocks.map((block) => {
    let certificate: X509Certificate;
    try {
      certificate = readCertificate(block);
    } catch {
      return undefined;
    }
    const validTo = new Date(certificate.validTo);
    const validFrom = new Date(certificate.validFrom);
    if (now.getTime() > validTo.getTime()) return { expired: true, date: validTo };
    if (now.getTime() < validFrom.getTime()) return { expired: false, date: validFrom };
    return undefined;
  });
}

/** What a certificate outside its validity is, in words: `expired on DATE` or `is not valid before DATE`. */
function when(out: OutOfValidity): string {
  return out.expired ? `expired on ${out.date.toISOString()}` : `is not valid before ${out.date.toISOString()}`;
}

/** OpenSSL's code of a certificate outside its validity. */
function verifyCode(out: OutOfValidity): string {
  return out.expired ? 'CERT_HAS_EXPIRED' : 'CERT_NOT_YET_VALID';
}

/**
 * Certificates of TLS material that fail every handshake at `now` (default: the current time), named as
 * {@link tlsMaterialProblem} names a problem (the reason gives which certificate of the file and its date, never a byte
 * of it): each certificate of the certificate file (the leaf and any chain after it) outside its validity period, as
 * every peer refuses it (`CERT_HAS_EXPIRED`, `CERT_NOT_YET_VALID`) while this side logs a bare reset; and the CA text
 * when every one of its certificates is outside its validity period (it cannot verify any peer). One expired root among
 * others in a trust store (the system's bundle has some) is harmless, and peers never see the CA file: no warning.
 * These are warnings, not refusals (an operator may have to start with one to rotate it). A certificate that cannot be
 * read is {@link tlsMaterialProblem}'s, not a warning. Empty when nothing would fail.
 */
export function tlsMaterialWarnings(material: TlsMaterialInput, now: Date = new Date()): TlsMaterialProblem[] {
  const warnings: TlsMaterialProblem[] = [];
  const { cert, ca } = material;
  if (cert !== undefined) {
    const outs = outOfValidity(certificateBlocks(cert.pem), now);
    outs.forEach((out, index) => {
      if (out === undefined) return;
      const which = outs.length === 1 ? 'the certificate' : `certificate ${index + 1} of ${outs.length}`;
      warnings.push({ name: cert.name, reason: `${which}${inFile(cert)} ${when(out)}: peers refuse it (${verifyCode(out)})` });
    });
  }
  if (ca !== undefined) {
    const outs = outOfValidity(certificateBlocks(ca.pem), now);
    const first = outs[0];
    if (first !== undefined && outs.every((out) => out !== undefined)) {
      const reason =
        outs.length === 1
          ? `the CA certificate${inFile(ca)} ${when(first)}: it cannot verify any peer (${verifyCode(first)})`
          : `every one of the ${outs.length} CA certificates${inFile(ca)} is outside its validity period (the first ${when(first)}): they cannot verify any peer (${[...new Set(outs.map((o) => verifyCode(o!)))].join(', ')})`;
      warnings.push({ name: ca.name, reason });
    }
  }
  return warnings;
}

/** When the certificates of a certificate file are all valid: from the latest `validFrom` to the earliest `validTo`. */
export interface CertificateWindow {
  notBefore: Date;
  notAfter: Date;
}

/**
 * The period in which every readable certificate of the PEM text `pem` (the leaf and any chain after it) is valid, as
 * {@link tlsMaterialWarnings} reads them: peers refuse the file outside it. Undefined when it holds no readable
 * certificate. Read once (an X.509 parse per certificate), so that a caller can tell at any moment, at no cost, whether
 * the certificate it serves has expired, and when it will.
 */
export function certificateWindow(pem: string): CertificateWindow | undefined {
  let window: CertificateWindow | undefined;
  for (const block of certificateBlocks(pem)) {
    let certificate: X509Certificate;
    try {
      certificate = readCertificate(block);
    } catch {
      continue;
    }
    const notBefore = new Date(certificate.validFrom);
    const notAfter = new Date(certificate.validTo);
    window = window === undefined
      ? { notBefore, notAfter }
      : { notBefore: notBefore > window.notBefore ? notBefore : window.notBefore, notAfter: notAfter < window.notAfter ? notAfter : window.notAfter };
  }
  return window;
}

/** What `JSON.stringify` and `util.inspect` show of a TLS option group's `key`: that it is set, never its PEM. */
const SHOWN_KEY = '[set]';

/**
 * `tls` (a connector's or an inbound endpoint's `tls` option group) copied and frozen, its `key` kept for Node's TLS but
 * shown as `[set]` by `JSON.stringify` (so by a pino log line) and by `util.inspect` (`console.log`, a REPL): a program
 * that logs or prints its options (`connector.options`, `context.connectors` in a sequence) never writes the private
 * key. Its other options are shown as they are (certificates are public).
 */
export function hideTlsKey<T extends { key?: string | undefined }>(tls: T): Readonly<T> {
  const shown = (): Record<string, unknown> => (tls.key === undefined ? { ...tls } : { ...tls, key: SHOWN_KEY });
  const copy = { ...tls };
  Object.defineProperty(copy, 'toJSON', { value: shown });
  Object.defineProperty(copy, Symbol.for('nodejs.util.inspect.custom'), {
    value: (_depth: number, options: object, inspect: (value: unknown, options: object) => string) => inspect(shown(), options),
  });
  return Object.freeze(copy);
}

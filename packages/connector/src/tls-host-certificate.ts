/**
 * Why the host's certificate did not verify, as a coded error an operator can act on: the option to look at (`tls.ca`
 * for a chain that does not lead to a trusted CA or a certificate outside its validity, `tls.servername` for a name the
 * certificate does not hold), Node's reason in words with OpenSSL's code, and for a certificate outside its validity
 * the date. Nothing of it is secret: names and dates of a certificate the host shows everyone.
 */
import { checkServerIdentity } from 'node:tls';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { Iso8583Error } from '@iso8583/codec';
import { connectorError } from './errors.js';

/** OpenSSL's words for the verification failures a host's certificate commonly has (Node's `authorizationError` is the code alone). */
const VERIFY_TEXT: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
  INVALID_PURPOSE: 'unsupported certificate purpose',
};

/** The first certificate of the host's chain (leaf first) outside its validity at `now`, with its date; `undefined` when none. */
function outOfValidity(leaf: DetailedPeerCertificate, now: number): string | undefined {
  const seen = new Set<DetailedPeerCertificate>();
  for (let c: DetailedPeerCertificate | undefined = leaf; c !== undefined && !seen.has(c) && c.valid_to !== undefined; c = c.issuerCertificate) {
    seen.add(c);
    const which = c === leaf ? "the host's certificate" : 'a certificate of its chain';
    if (now > Date.parse(c.valid_to)) return `${which} expired on ${new Date(c.valid_to).toISOString()}`;
    if (now < Date.parse(c.valid_from)) return `${which} is not valid before ${new Date(c.valid_from).toISOString()}`;
  }
  return undefined;
}

/**
 * The `ISO8583_ERR_CONNECTOR_CONNECT_FAILED` of a TLS socket whose host certificate did not verify (`socket.authorized`
 * false after the handshake; `checkedName`: the name it was checked against). Field `tls.servername` for a name the
 * certificate does not hold (Node's reason names the name and the certificate's names), else `tls.ca`; the code in
 * brackets; for `CERT_HAS_EXPIRED` and `CERT_NOT_YET_VALID` the certificate's date.
 */
export function hostCertificateError(socket: TLSSocket, checkedName: string): Iso8583Error {
  const code = String(socket.authorizationError ?? 'UNKNOWN');
  const leaf = socket.getPeerCertificate(true);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const reason = checkServerIdentity(checkedName, leaf)?.message ?? `the certificate does not name ${checkedName}`;
    return connectorError('ISO8583_ERR_CONNECTOR_CONNECT_FAILED', `the host's certificate is not for the name checked: ${reason} (${code})`, { field: 'tls.servername' });
  }
  const dates = code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' ? outOfValidity(leaf, Date.now()) : undefined;
  const text = VERIFY_TEXT[code] ?? 'it does not verify';
  return connectorError(
    'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
    `the host's certificate does not verify with the CA certificates given: ${text}${dates === undefined ? '' : `: ${dates}`} (${code})`,
    { field: 'tls.ca' },
  );
}

/**
 * Why the host's certificate did not verify, as a coded error an operator can act on: the option to look at (`tls.ca`
 * for a chain that does not lead to a trusted CA or a certificate outside its validity, `tls.servername` for a name the
 * certificate does not hold), Node's reason in words with OpenSSL's code, and for a certificate outside its validity
 * the date. A name the certificate does not hold is said without the names (the host's address, the certificate's
 * SANs): the gateway returns this text to HTTP clients; Node's reason naming them is the `detail` of the `connection
 * failed` log line ({@link hostCertificateDetail}), never in the error's text or JSON.
 */
import { checkServerIdentity } from 'node:tls';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import type { Iso8583Error } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { tlsSourceName } from './tls-options.js';
import type { ConnectorTlsOptions } from './tls-options.js';

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

/** Node's reason of a name check that failed, by the error it explains (not on the error: its JSON reaches HTTP clients). */
const DETAILS = new WeakMap<Iso8583Error, string>();

/**
 * Node's reason of a host certificate refused for its name (`Host: ... is not in the cert's altnames: ...`), naming the
 * name checked and the certificate's names, for the `connection failed` log line; `undefined` for any other error.
 */
export function hostCertificateDetail(err: unknown): string | undefined {
  return err instanceof Object ? DETAILS.get(err as Iso8583Error) : undefined;
}

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
 * false after the handshake; `checkedName`: the name it was checked against; each option named by `tls.sources`, else its
 * path: {@link tlsSourceName}). Field `tls.servername` for a name the
 * certificate does not hold (Node's reason, naming the name and the certificate's names, kept for the log line alone:
 * {@link hostCertificateDetail}), else `tls.ca`; the code in
 * brackets; for `CERT_HAS_EXPIRED` and `CERT_NOT_YET_VALID` the certificate's date.
 */
export function hostCertificateError(socket: TLSSocket, checkedName: string, tls: Pick<ConnectorTlsOptions, 'sources'> | undefined): Iso8583Error {
  const code = String(socket.authorizationError ?? 'UNKNOWN');
  const leaf = socket.getPeerCertificate(true);
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const err = connectorError(
      'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
      `the host's certificate is not for the name checked (${code})`,
      { field: tlsSourceName(tls, 'servername') },
    );
    DETAILS.set(err, checkServerIdentity(checkedName, leaf)?.message ?? `the certificate does not name ${checkedName}`);
    return err;
  }
  const dates = code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' ? outOfValidity(leaf, Date.now()) : undefined;
  const text = VERIFY_TEXT[code] ?? 'it does not verify';
  return connectorError(
    'ISO8583_ERR_CONNECTOR_CONNECT_FAILED',
    `the host's certificate does not verify with the CA certificates given: ${text}${dates === undefined ? '' : `: ${dates}`} (${code})`,
    { field: tlsSourceName(tls, 'ca') },
  );
}

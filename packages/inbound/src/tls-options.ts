// The `tls` option of the inbound endpoint: its shape, and its check at creation (options.ts runs it once the options
// passed the schema).
import { tlsMaterialProblem } from '@iso8583/codec';
import type { FieldProblem, TlsMaterialProblem } from '@iso8583/codec';

/** TLS settings of the listener (PEM text, not file names). */
export interface InboundTlsOptions {
  /** The server certificate chain, PEM text. Required; checked at creation (it parses, `key` goes with it). */
  cert: string;
  /** The server private key, PEM text (not encrypted). Required; checked at creation. */
  key: string;
  /**
   * The CA certificates (PEM) that client certificates must chain to; checked at creation (at least one certificate,
   * each parses). Given with `requestCert: true` only: without it no client certificate is asked for, so a `ca` alone
   * is refused (`ISO8583_ERR_INBOUND_OPTIONS` naming `tls.ca`) rather than ignored. Default: none (no mutual TLS).
   */
  ca?: string;
  /**
   * Mutual TLS: require a client certificate signed by `ca`; a client without one is refused. Needs `ca`: `true`
   * without it is refused (`ISO8583_ERR_INBOUND_OPTIONS` naming `tls.requestCert`), as it would trust any certificate
   * of the system's public CAs. Default `false`.
   */
  requestCert?: boolean;
}

/** `tls` checked as Node's TLS will use it (see `tlsMaterialProblem` of @iso8583/codec), each part named by its option path. */
function tlsProblem(tls: InboundTlsOptions): TlsMaterialProblem | undefined {
  return tlsMaterialProblem({
    cert: { pem: tls.cert, name: 'tls.cert' },
    key: { pem: tls.key, name: 'tls.key' },
    ...(tls.ca === undefined ? {} : { ca: { pem: tls.ca, name: 'tls.ca' } }),
  });
}

/**
 * `ca` and `requestCert` go together (mutual TLS). A `ca` without `requestCert: true` asks no client for a certificate:
 * any client gets in, though the option reads as a restriction. `requestCert: true` without `ca` verifies client
 * certificates against the system's public CAs: any publicly issued certificate gets in. Both are refused, naming the
 * option given alone (as the gateway refuses `clientTlsCa` alone).
 */
function tlsPairProblem(tls: InboundTlsOptions, code: string): FieldProblem | undefined {
  if (tls.ca !== undefined && tls.requestCert !== true) {
    return { field: 'tls.ca', code, reason: 'is given without requestCert: true: no client certificate would be asked for (any client gets in); set tls.requestCert: true for mutual TLS, or remove tls.ca' };
  }
  if (tls.requestCert === true && tls.ca === undefined) {
    return { field: 'tls.requestCert', code, reason: 'is true without tls.ca: client certificates would be checked against the system\'s public CAs (any publicly issued certificate gets in); give tls.ca, the CA client certificates must chain to' };
  }
  return undefined;
}

/**
 * The problems of the `tls` option, every one at once: its certificate material (tlsProblem) and the pairing of `ca`
 * and `requestCert` (tlsPairProblem), each with `code`.
 */
export function tlsOptionsProblems(tls: InboundTlsOptions, code: string): FieldProblem[] {
  const material = tlsProblem(tls);
  const pair = tlsPairProblem(tls, code);
  return [...(material === undefined ? [] : [{ field: material.name, code, reason: material.reason }]), ...(pair === undefined ? [] : [pair])];
}

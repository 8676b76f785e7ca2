/**
 * The lines an endpoint's `tls` gives at start: each certificate (`tls.cert`, `tls.ca`) outside its validity period now
 * (`tlsMaterialWarnings` of the codec), as `ISO8583_WARN_TLS_CERT_VALIDITY` (the connector's code of the same warning,
 * docs/errors.md) with its option (`field`) and its date. Every client will refuse the handshake (`CERT_HAS_EXPIRED`)
 * while this side sees only resets; a warning, not a refusal: one may have to start with it to rotate it.
 */
import { tlsMaterialWarnings } from '@iso8583/codec/tls-material';
import type { InboundTlsOptions } from './tls-options.js';

/** The code of the warning (the connector's, one code for one warning: docs/errors.md). */
export const TLS_CERT_VALIDITY = 'ISO8583_WARN_TLS_CERT_VALIDITY';

/** The warnings of `tls` at start, each its log line's fields (`code`, `field`) and text; none without TLS. */
export function tlsStartWarnings(tls: Pick<InboundTlsOptions, 'cert' | 'ca'> | undefined): { fields: { code: string; field: string }; text: string }[] {
  if (tls === undefined) return [];
  const material = { cert: { pem: tls.cert, name: 'tls.cert' }, ...(tls.ca === undefined ? {} : { ca: { pem: tls.ca, name: 'tls.ca' } }) };
  return tlsMaterialWarnings(material).map((w) => ({ fields: { code: TLS_CERT_VALIDITY, field: w.name }, text: `${w.name}: ${w.reason}` }));
}

/**
 * `ISO8583_WARN_TLS_INSECURE` in the gateway's words: the flag that turned the check of the bank's certificate off
 * (`--tls-insecure`, config key `tlsInsecure`), never the connector's option (`tls.rejectUnauthorized`) that its
 * operator never gave. One name for `--check-config` (check-config.ts) and for the line each upstream's connector logs
 * at its start (the connector's `tls.sources.rejectUnauthorized`, set by `upstreamTlsOptions`: tls.ts).
 */
import { tlsInsecureWarning } from '@iso8583/connector';
import type { ConnectorOptions } from '@iso8583/connector';
import { TLS_INSECURE_FLAG } from './tls.js';

/**
 * The text of `ISO8583_WARN_TLS_INSECURE` naming the gateway's flag when `tls` (an upstream's connector `tls`) turns
 * the check of the bank's certificate off; else `undefined`.
 */
export function gatewayTlsInsecureWarning(tls: ConnectorOptions['tls']): string | undefined {
  return tlsInsecureWarning(tls, TLS_INSECURE_FLAG);
}

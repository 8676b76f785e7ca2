/**
 * `ISO8583_WARN_TLS_INSECURE` in the gateway's words: the flag that turned the check of the bank's certificate off
 * (`--tls-insecure`, config key `tlsInsecure`), never the connector's option (`tls.rejectUnauthorized`) that its
 * operator never gave. One name for `--check-config` (check-config.ts) and for the line each upstream's connector logs
 * at its start (the connector's `tls.insecureSource`, set by {@link namingTlsInsecureFlag}).
 */
import { tlsInsecureWarning } from '@iso8583/connector';
import type { ConnectorOptions } from '@iso8583/connector';

/** The name of the gateway's setting that turns the check off: the `field` and the text of its warning. */
export const TLS_INSECURE_FLAG = '--tls-insecure';

/**
 * The text of `ISO8583_WARN_TLS_INSECURE` naming the gateway's flag when `tls` (an upstream's connector `tls`) turns
 * the check of the bank's certificate off; else `undefined`.
 */
export function gatewayTlsInsecureWarning(tls: ConnectorOptions['tls']): string | undefined {
  return tlsInsecureWarning(tls, TLS_INSECURE_FLAG);
}

/**
 * `tls` (an upstream connector's) with its `insecureSource` the gateway's flag when it turns the check off, so that
 * the connector's warning at each start names the flag ({@link gatewayTlsInsecureWarning}'s text); else `tls` as it is.
 */
export function namingTlsInsecureFlag<T extends ConnectorOptions['tls']>(tls: T): T {
  return tls?.rejectUnauthorized === false ? { ...tls, insecureSource: TLS_INSECURE_FLAG } : tls;
}

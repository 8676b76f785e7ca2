/**
 * `ISO8583_WARN_TLS_INSECURE` in the gateway's words: the flag that turned the check of the bank's certificate off
 * (`--tls-insecure`, config key `tlsInsecure`), never the connector's option (`tls.rejectUnauthorized`) that its
 * operator never gave. One text for `--check-config` (check-config.ts) and for the line each upstream's connector logs
 * at its start ({@link namingTlsInsecureFlag}).
 */
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';
import { TLS_INSECURE, tlsInsecureWarning } from '@iso8583/connector';
import type { ConnectorOptions } from '@iso8583/connector';

/** The `field` of the gateway's `ISO8583_WARN_TLS_INSECURE` line: the flag. */
export const TLS_INSECURE_FLAG = '--tls-insecure';

/**
 * The text of `ISO8583_WARN_TLS_INSECURE` naming the gateway's flag and config key when `tls` (an upstream's connector
 * `tls`) turns the check of the bank's certificate off; else `undefined`.
 */
export function gatewayTlsInsecureWarning(tls: ConnectorOptions['tls']): string | undefined {
  return tlsInsecureWarning(tls, `${TLS_INSECURE_FLAG} (config key tlsInsecure)`);
}

/** Whether a log call's first argument is the connector's `ISO8583_WARN_TLS_INSECURE` object. */
function isInsecureLine(first: unknown): first is Record<string, unknown> {
  return first !== null && typeof first === 'object' && (first as { code?: unknown }).code === TLS_INSECURE;
}

/**
 * `logger` (an upstream connector's, with `--tls-insecure`) whose `ISO8583_WARN_TLS_INSECURE` line (connector-run.ts,
 * at each start, naming `tls.rejectUnauthorized`) names the flag instead ({@link gatewayTlsInsecureWarning}), in its
 * children too (the connector logs through one); every other line as it is.
 */
export function namingTlsInsecureFlag(logger: Logger): Logger {
  const text = gatewayTlsInsecureWarning({ rejectUnauthorized: false });
  const warn = (first: unknown, ...rest: unknown[]): void => {
    if (isInsecureLine(first)) logger.warn({ ...first, field: TLS_INSECURE_FLAG }, text);
    else (logger.warn as (...a: unknown[]) => void)(first, ...rest);
  };
  const child = (bindings: Bindings, options?: ChildLoggerOptions): Logger => namingTlsInsecureFlag(logger.child(bindings, options));
  return new Proxy(logger, {
    get: (target, prop, receiver) => (prop === 'warn' ? warn : prop === 'child' ? child : Reflect.get(target, prop, receiver)),
  });
}

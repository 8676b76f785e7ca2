/**
 * What the client TLS flags (`--tls-ca`, `--tls-cert`, `--tls-key`, `--tls-servername`, `--tls-insecure`) of `send` and
 * `load` mean beyond their values: the connector's errors and log lines name the flag that gave an option, not its
 * `tls.*` path the operator never wrote ({@link namedByFlags}), `--tls-insecure` is said on stderr at every run
 * ({@link warnTlsInsecure}), whatever the log level: the host's certificate is not checked, and a host certificate
 * refused for its name is said with Node's reason ({@link withHostCertificateDetail}).
 */
import type { Writable } from 'node:stream';
import { TLS_INSECURE, hostCertificateDetail, tlsInsecureWarning } from '@iso8583/connector';
import type { ConnectorTlsOptions, TlsSourceNames } from '@iso8583/connector';
import type { ClientTlsSettings } from './flags.js';
import { withDetail, writeNotice } from './io.js';

/** The flag that gave each connector `tls` option. */
const FLAG_OF: Readonly<Required<TlsSourceNames>> = {
  ca: '--tls-ca',
  cert: '--tls-cert',
  key: '--tls-key',
  servername: '--tls-servername',
  rejectUnauthorized: '--tls-insecure',
};

/** The connector's `tls` option of the client TLS flags read (`readClientTls`), each option named by its flag (`sources`). */
export function namedByFlags(tls: ClientTlsSettings): ConnectorTlsOptions {
  return { ...tls, sources: FLAG_OF };
}

/**
 * Writes `iso8583: warning: ISO8583_WARN_TLS_INSECURE: --tls-insecure: the host's certificate is not verified: ...` to
 * `stderr` when `tls` turns the check off (`--tls-insecure`); nothing otherwise. The connector logs it too, at a level a
 * one-shot command does not show by default.
 */
export function warnTlsInsecure(stderr: Writable, tls: Pick<ConnectorTlsOptions, 'rejectUnauthorized'> | undefined): void {
  const text = tlsInsecureWarning(tls, FLAG_OF.rejectUnauthorized);
  if (text !== undefined) writeNotice(stderr, `iso8583: warning: ${TLS_INSECURE}: ${text}\n`);
}

/**
 * `failure` (the command's error for `err`) with Node's reason of a host certificate refused for its name (`Host: ...
 * is not in the cert's altnames: ...`, the connector's `hostCertificateDetail` of `err` or of an error it was made
 * from) as the second line of its error line (`iso8583: detail: ...`): the names the certificate holds, said on the
 * operator's own terminal (the error's text leaves them out: the gateway's HTTP answers carry it). `failure` as it is
 * for any other error.
 */
export function withHostCertificateDetail<E extends object>(failure: E, err: unknown): E {
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Object && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const detail = hostCertificateDetail(e);
    if (detail !== undefined) return withDetail(failure, detail);
  }
  return failure;
}

/**
 * The connector's `tls` option: its shape, and its check before any socket opens. The PEM material is checked as
 * Node's TLS will use it (`tlsMaterialProblem` of `@iso8583/codec`, the one home of that check): Node takes a `ca`
 * holding no certificate (or an empty one) silently and then trusts no host, so every handshake would fail with
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`; a certificate or key it cannot use, or a key of another certificate, would fail
 * every connect with a bare OpenSSL code. Each is refused at `createConnector` naming the option, never its content.
 */
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { tlsMaterialProblem } from '@iso8583/codec';
import type { FieldProblem, TlsPem } from '@iso8583/codec';
import { tlsMaterialWarnings } from '@iso8583/codec/tls-material';
import type { CONNECTOR_LOG_CODES } from './errors.js';

/** TLS settings (PEM text, not file names). Their presence enables TLS. Checked at creation (see the file's note). */
export interface ConnectorTlsOptions {
  /** PEM of the CA(s) that signed the host's certificate; at least one certificate. Default: the Node.js root CAs. */
  ca?: string;
  /** PEM of the client certificate, for mutual TLS (with `key`). Default: none. */
  cert?: string;
  /** PEM of the client certificate's private key (not encrypted), for mutual TLS (with `cert`). Default: none. */
  key?: string;
  /**
   * The server name sent (SNI) and checked against the certificate. An IP address is checked (the certificate's IP
   * SAN) but not sent: SNI carries host names only. Default: `host` (not sent either when it is an address).
   */
  servername?: string;
  /**
   * Refuse a host certificate that does not verify. Default `true`. `false` (testing only) is logged at every start as
   * `ISO8583_WARN_TLS_INSECURE` ({@link tlsInsecureWarning}) and on each `connected` line as `tlsVerify: false`.
   */
  rejectUnauthorized?: boolean;
  /**
   * The names the application gave these options (a flag, a config key), by option: what an error or a log line about
   * an option says instead of its path (`tls.ca`, `tls.servername`...), in its text and `field`: a certificate refused
   * at connect, a certificate outside its validity at start, `ISO8583_WARN_TLS_INSECURE` (`rejectUnauthorized`). The
   * gateway gives its flags and config keys (`--tls-ca`, `/upstreams/0/tlsCa`, `--tls-insecure`). Each 1-200 printable
   * characters. Default: none (each option is named by its path).
   */
  sources?: TlsSourceNames;
}

/** The options of `tls` that {@link ConnectorTlsOptions.sources} can name. */
export type TlsSourceOption = 'ca' | 'cert' | 'key' | 'servername' | 'rejectUnauthorized';

/** The names an application gave the `tls` options, by option ({@link ConnectorTlsOptions.sources}). */
export type TlsSourceNames = Partial<Record<TlsSourceOption, string>>;

/**
 * The name errors and log lines give the `tls` option `option`: its name in `tls.sources`, else its path
 * (`tls.<option>`). The one rule of every line and error about a `tls` option.
 */
export function tlsSourceName(tls: Pick<ConnectorTlsOptions, 'sources'> | undefined, option: TlsSourceOption): string {
  return tls?.sources?.[option] ?? `tls.${option}`;
}

/**
 * The names of a TLS connect to `host`, as `tls.connect` options: the SNI sent (`servername`) and the name the host's
 * certificate is checked against. SNI carries host names only (RFC 6066; Node warns DEP0123 for an address): a
 * `servername` that is an IP address is not sent, and the certificate is checked against it all the same (its IP
 * SAN, `checkServerIdentity`); without a `servername`, `host` is sent unless it is an address. The one rule of the
 * connector's connections and the command line's `load`.
 */
export function tlsNames(host: string, servername: string | undefined): Pick<ConnectionOptions, 'servername' | 'checkServerIdentity'> {
  if (servername !== undefined && isIP(servername) !== 0) {
    return { servername: undefined, checkServerIdentity: (_host, cert) => checkServerIdentity(servername, cert) };
  }
  return { servername: servername ?? (isIP(host) !== 0 ? undefined : host) };
}

/**
 * The problems of `tls` (already through the schema: `seen` holds the fields the schema refused): `cert` without `key`
 * or the reverse, a name of `sources` with a control character (it goes into a log line's text), then the first
 * problem of the PEM material, named by its option path (`tls.ca`, `tls.cert`, `tls.key`). Code
 * `ISO8583_ERR_CONNECTOR_OPTIONS`; a reason never holds the material.
 */
export function tlsProblems(tls: ConnectorTlsOptions | undefined, seen: ReadonlySet<string>): FieldProblem[] {
  if (tls === null || typeof tls !== 'object') return [];
  const problem = (field: string, reason: string): FieldProblem => ({ field, code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason });
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    return [problem(tls.cert === undefined ? 'tls.cert' : 'tls.key', 'is required with the other (mutual TLS)')];
  }
  for (const [option, name] of Object.entries(tls.sources ?? {})) {
    // eslint-disable-next-line no-control-regex -- the characters refused
    if (typeof name === 'string' && !seen.has(`tls.sources.${option}`) && /[\u0000-\u001f\u007f]/.test(name)) {
      return [problem(`tls.sources.${option}`, 'must be printable characters (no line break or control character)')];
    }
  }
  const material: Partial<Record<'ca' | 'cert' | 'key', TlsPem>> = {};
  for (const part of ['ca', 'cert', 'key'] as const) {
    const pem = tls[part];
    if (typeof pem === 'string' && !seen.has(`tls.${part}`)) material[part] = { pem, name: `tls.${part}` };
  }
  const found = tlsMaterialProblem(material);
  return found === undefined ? [] : [problem(found.name, found.reason)];
}

/** The code of the warning that a certificate of the TLS options is outside its validity period at start. */
export const TLS_CERT_VALIDITY = 'ISO8583_WARN_TLS_CERT_VALIDITY' satisfies keyof typeof CONNECTOR_LOG_CODES;

/**
 * The certificates of `tls` (`tls.cert`, `tls.ca`) outside their validity period now (`tlsMaterialWarnings` of the
 * codec), each its option's name (`field`: {@link tlsSourceName}) and its line (`tls.cert: the certificate expired on
 * ...`): the connector logs each at start as {@link TLS_CERT_VALIDITY}, a warning and not a refusal (one may have to
 * start with it to rotate it), as every handshake with it will fail.
 */
export function tlsValidityWarnings(tls: ConnectorTlsOptions | undefined): { field: string; text: string }[] {
  if (tls === undefined) return [];
  const material: Partial<Record<'ca' | 'cert', TlsPem>> = {};
  if (tls.ca !== undefined) material.ca = { pem: tls.ca, name: tlsSourceName(tls, 'ca') };
  if (tls.cert !== undefined) material.cert = { pem: tls.cert, name: tlsSourceName(tls, 'cert') };
  return tlsMaterialWarnings(material).map((w) => ({ field: w.name, text: `${w.name}: ${w.reason}` }));
}

/** The code of the warning that the host's certificate is not verified (`rejectUnauthorized: false`, `--tls-insecure`). */
export const TLS_INSECURE = 'ISO8583_WARN_TLS_INSECURE' satisfies keyof typeof CONNECTOR_LOG_CODES;

/**
 * The text of `ISO8583_WARN_TLS_INSECURE` when `tls` turns the check of the host's certificate off (`rejectUnauthorized:
 * false`), naming what turned it off (`name`, a flag, a config key; default `tls.sources.rejectUnauthorized`, else
 * `tls.rejectUnauthorized`); else `undefined`.
 * The one text of it: the connector logs it at every start, the command prints it at `send`, `--check-config` and
 * `run --check`.
 */
export function tlsInsecureWarning(
  tls: Pick<ConnectorTlsOptions, 'rejectUnauthorized' | 'sources'> | undefined,
  name = tlsSourceName(tls, 'rejectUnauthorized'),
): string | undefined {
  if (tls?.rejectUnauthorized !== false) return undefined;
  return `${name}: the host's certificate is not verified: any host (or anyone on the path to it) can take the link and read the card data on it (testing only)`;
}

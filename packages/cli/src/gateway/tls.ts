/**
 * The gateway's TLS, on both sides, in one place: whether an upstream link uses TLS (an upstream's own `tls`, else its
 * own TLS files or server name, else the gateway's), the upstream's TLS options, and the POS listener's. Every file is
 * read and checked as Node's TLS will use it (`checkTlsMaterial`) by `--check-config` and by the start alike, so a
 * bad file stops both with `ISO8583_ERR_CLI_FILE` naming its flag or config key.
 */
import type { ConnectorOptions, TlsSourceNames } from '@iso8583/connector';
import type { InboundOptions } from '@iso8583/inbound';
import type { GatewayConfig } from './config.js';
import { gatewayError } from './errors.js';
import type { GatewayUpstream } from './upstreams.js';
import { checkTlsMaterial, readPemFile } from '../flags.js';

/** The name of the gateway's setting that turns the check off: the `field` and the text of its warning. */
export const TLS_INSECURE_FLAG = '--tls-insecure';

/** Whether the gateway's own settings ask for TLS towards the bank: `tls`, or any of `tlsCa`, `tlsCert`, `tlsServername`. */
function gatewayTls(config: GatewayConfig): boolean {
  return config.tls || config.tlsCa !== undefined || config.tlsCert !== undefined || config.tlsServername !== undefined;
}

/**
 * Whether the link to `own` (one of the `upstreams`; `undefined`: the gateway's lone upstream) uses TLS: its own `tls`
 * when given (`false` wins over the gateway's TLS files), else `true` when it names its own `tlsCa`, `tlsCert` or
 * `tlsServername`, else the gateway's.
 */
export function upstreamUsesTls(config: GatewayConfig, own: GatewayUpstream | undefined): boolean {
  if (own === undefined) return gatewayTls(config);
  return own.tls ?? (own.tlsCa !== undefined || own.tlsCert !== undefined || own.tlsServername !== undefined ? true : gatewayTls(config));
}

/**
 * The flag or config key that gave an upstream's TLS setting: its own key (`/upstreams/N/tlsKey`), else the gateway's
 * flag.
 */
function source(config: GatewayConfig, own: GatewayUpstream | undefined, key: 'tlsCa' | 'tlsCert' | 'tlsKey' | 'tlsServername', flag: string): string {
  if (own?.[key] === undefined) return flag;
  return `/upstreams/${Math.max(0, config.upstreams?.indexOf(own) ?? 0)}/${key}`;
}

/**
 * The connector's `tls` option towards `own` (`undefined`: the lone upstream), or `undefined` without TLS. `c` is the
 * upstream's settings (its own over the gateway's). Reads and checks the files; a certificate without its key (or the
 * reverse) once the upstream's and the gateway's are merged is `ISO8583_ERR_GATEWAY_CONFIG`. Its `sources` name each
 * option, given or not, by the flag or config key that gives it (`--tls-ca`, `/upstreams/0/tlsServername` when the
 * upstream sets its own, `--tls-insecure`): what a refused certificate, a certificate outside its validity or
 * `ISO8583_WARN_TLS_INSECURE` then says, never the connector's option the operator never set.
 */
export function upstreamTlsOptions(config: GatewayConfig, own: GatewayUpstream | undefined, c: GatewayConfig): ConnectorOptions['tls'] {
  if (!upstreamUsesTls(config, own)) return undefined;
  const flags = { ca: source(config, own, 'tlsCa', '--tls-ca'), cert: source(config, own, 'tlsCert', '--tls-cert'), key: source(config, own, 'tlsKey', '--tls-key') };
  if ((c.tlsCert === undefined) !== (c.tlsKey === undefined)) {
    const given = c.tlsCert === undefined ? flags.key : flags.cert;
    const missing = c.tlsCert === undefined ? 'its certificate' : 'its key';
    throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${given} is given without ${missing}: a certificate and its key go together`, { field: given });
  }
  const tls: NonNullable<ConnectorOptions['tls']> = { rejectUnauthorized: !c.tlsInsecure };
  const ca = readPemFile(c.tlsCa, flags.ca);
  const cert = readPemFile(c.tlsCert, flags.cert);
  const key = readPemFile(c.tlsKey, flags.key);
  checkTlsMaterial({
    ...(ca === undefined ? {} : { ca: { pem: ca, path: c.tlsCa as string, flag: flags.ca } }),
    ...(cert === undefined ? {} : { cert: { pem: cert, path: c.tlsCert as string, flag: flags.cert } }),
    ...(key === undefined ? {} : { key: { pem: key, path: c.tlsKey as string, flag: flags.key } }),
  });
  if (ca !== undefined) tls.ca = ca;
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  if (c.tlsServername !== undefined) tls.servername = c.tlsServername;
  // Each named whether given or not: a bank certificate from a private CA with `--tls` alone is refused naming
  // `--tls-ca`, the flag that would make it trusted, not the connector's `tls.ca` the operator cannot set.
  const sources: TlsSourceNames = { ...flags, servername: source(config, own, 'tlsServername', '--tls-servername') };
  if (c.tlsInsecure) sources.rejectUnauthorized = TLS_INSECURE_FLAG;
  tls.sources = sources;
  return tls;
}

/** The POS listener's `tls` option (`--client-tls-cert`, `--client-tls-key`, `--client-tls-ca`), read and checked; `undefined` for plain TCP. */
export function posTlsOptions(config: GatewayConfig): InboundOptions['tls'] {
  if (config.clientTlsCert === undefined) return undefined;
  const cert = readPemFile(config.clientTlsCert, '--client-tls-cert') as string;
  const key = readPemFile(config.clientTlsKey, '--client-tls-key');
  if (key === undefined) throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', '--client-tls-cert and --client-tls-key go together', { field: '--client-tls-key' });
  const ca = readPemFile(config.clientTlsCa, '--client-tls-ca');
  checkTlsMaterial({
    cert: { pem: cert, path: config.clientTlsCert, flag: '--client-tls-cert' },
    key: { pem: key, path: config.clientTlsKey as string, flag: '--client-tls-key' },
    ...(ca === undefined ? {} : { ca: { pem: ca, path: config.clientTlsCa as string, flag: '--client-tls-ca' } }),
  });
  return ca === undefined ? { cert, key } : { cert, key, ca, requestCert: true };
}

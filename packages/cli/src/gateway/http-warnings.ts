/**
 * What the gateway says of its HTTP port from its config alone, before the port opens: the address it binds to and the
 * warnings the start logs and `--check-config` prints (an open port without a token, upstreams of different dialects
 * behind `POST /raw`). Apart from the port itself (http.ts), so that `--check-config` loads no HTTP server.
 */
import type { Logger } from 'pino';
import { sameDialect } from '@iso8583/codec';
import { openHttpWarning, warnOpenHttp } from '../http/open-warning.js';
import type { OpenHttpSource } from '../http/open-warning.js';
import type { GatewayConfig } from './config.js';
import type { UpstreamDialect } from './approval-fit.js';

/**
 * The warning line the start logs and `--check-config` prints when the HTTP port is on and the upstreams speak
 * different dialects: `POST /raw` cannot read a hex message before its upstream is known, and is refused (501
 * `ISO8583_ERR_CONNECTOR_RAW_DIALECTS`; the connector plugin's rule); `POST /` takes JSON and XML for any of them.
 * `undefined` otherwise.
 */
export function rawDialectsWarning(config: Pick<GatewayConfig, 'httpEnabled'>, upstreams: readonly UpstreamDialect[]): string | undefined {
  const first = upstreams[0];
  if (!config.httpEnabled || first === undefined || upstreams.every((u) => sameDialect(u.dialect, first.dialect))) return undefined;
  const spoken = upstreams.map((u) => `${u.name}: ${u.dialect.name}`).join(', ');
  return `the upstreams speak different dialects (${spoken}): POST /raw is refused (501 ISO8583_ERR_CONNECTOR_RAW_DIALECTS); send JSON or XML to POST /`;
}

/** The address the HTTP listener binds to: `--http-bind`, else `--bind`. */
export function httpBindOf(config: Pick<GatewayConfig, 'bind' | 'httpBind'>): string {
  return config.httpBind ?? config.bind;
}

/** Where the HTTP listener's address was set (`--http-bind`, else `--bind`), and how to keep it on loopback. */
function openHttpSource(config: Pick<GatewayConfig, 'httpBind'>): OpenHttpSource {
  return { flag: config.httpBind === undefined ? '--bind' : '--http-bind', loopback: '--http-bind 127.0.0.1' };
}

/**
 * Logs `ISO8583_WARN_HTTP_OPEN` (http/open-warning.ts) when the HTTP listener (`--http-bind`, else `--bind`) is bound
 * beyond loopback and asks for no token.
 */
export function warnOpenGatewayHttp(config: Pick<GatewayConfig, 'bind' | 'httpBind'>, token: string | undefined, logger: Logger): void {
  warnOpenHttp(httpBindOf(config), token, openHttpSource(config), logger);
}

/**
 * The `ISO8583_WARN_HTTP_OPEN` line `--check-config` prints (the start's warning, by the same rule) when the HTTP port
 * is on and bound beyond loopback without `--http-token` or `--http-token-file`; else `undefined`.
 */
export function gatewayOpenHttpWarning(config: GatewayConfig): string | undefined {
  if (!config.httpEnabled) return undefined;
  const token = config.httpToken ?? config.httpTokenFile;
  const text = openHttpWarning(httpBindOf(config), token, openHttpSource(config));
  return text === undefined ? undefined : `ISO8583_WARN_HTTP_OPEN: ${text}`;
}

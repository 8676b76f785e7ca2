/**
 * The gateway's own listeners (POS `--listen`, HTTP `--http`, `--metrics`, `--stats-port`) on one port of one address:
 * `--check-config` said the configuration was valid and the start then failed, `ISO8583_ERR_CLI_LISTEN` (EADDRINUSE),
 * on the second listener. Refused by both, naming the later listener's flag (or config file key) and the earlier one.
 */
import type { GatewayConfig } from './config-types.js';
import { gatewayError } from './errors.js';
import { configFileError } from './config-file.js';
import { GATEWAY_DEFAULTS } from './flag-rows.js';
import { WILDCARD, bareHost } from './listen-address.js';

/** One listener of the gateway: its config key, flag, port and address. */
interface Listener {
  key: 'listen' | 'http' | 'metrics' | 'statsPort';
  flag: string;
  port: number | undefined;
  host: string;
}

/** Whether listeners bound to `a` and `b` on one port collide: the same address, or either a wildcard (the flow check uses it too). */
export function overlap(a: string, b: string): boolean {
  const x = bareHost(a);
  const y = bareHost(b);
  return x === y || WILDCARD.has(x) || WILDCARD.has(y);
}

/**
 * Throws `ISO8583_ERR_GATEWAY_CONFIG` when two of the gateway's listeners would listen on the same port of the same
 * address (port 0, any free one, never collides): named by the later one's flag, or, when the config file gave its
 * port, the file and its key (`fileOf` returns the file's path for a key no flag gave).
 */
export function checkOwnPorts(config: Partial<GatewayConfig>, fileOf: (key: string) => string | undefined): void {
  const bind = config.bind ?? GATEWAY_DEFAULTS.bind;
  const monitoring = config.metricsHost ?? GATEWAY_DEFAULTS.metricsHost;
  const listeners: Listener[] = [
    { key: 'listen', flag: '--listen', port: config.listen, host: bind },
    { key: 'http', flag: '--http', port: config.httpEnabled === false ? undefined : config.http, host: config.httpBind ?? bind },
    { key: 'metrics', flag: '--metrics', port: config.metrics, host: monitoring },
    { key: 'statsPort', flag: '--stats-port', port: config.statsPort, host: monitoring },
  ];
  for (const [i, later] of listeners.entries()) {
    if (later.port === undefined || later.port === 0) continue;
    const earlier = listeners.slice(0, i).find((l) => l.port === later.port && overlap(l.host, later.host));
    if (earlier === undefined) continue;
    const what = `${later.port} is ${earlier.flag}'s port too (on ${earlier.host}): each listener needs its own port`;
    const from = fileOf(later.key);
    if (from !== undefined) throw configFileError(from, `: /${later.key}: ${what}`, { field: `/${later.key}` });
    throw gatewayError('ISO8583_ERR_GATEWAY_CONFIG', `${later.flag} ${what}`, { field: later.flag });
  }
}

/**
 * The gateway's own listeners (POS `--listen`, HTTP `--http`, `--metrics`, `--stats-port`) on one port of one address:
 * `--check-config` said the configuration was valid and the start then failed, `ISO8583_ERR_CLI_LISTEN` (EADDRINUSE),
 * on the second listener. Refused by both, naming the later listener's flag (or config file key) and the earlier one.
 */
import type { GatewayConfig } from './config-types.js';
import { gatewayError } from './errors.js';
import { configFileError } from './config-file.js';
import { GATEWAY_DEFAULTS } from './flag-rows.js';
import { overlap } from './listen-address.js';

/** One listener of the gateway: its config key, flag, port and address, and what it is (in the checks' words). */
export interface OwnListener {
  /** Its config key. */
  key: 'listen' | 'http' | 'metrics' | 'statsPort';
  /** Its flag. */
  flag: string;
  /** Its port (0: any free one), or `undefined` when it is off. */
  port: number | undefined;
  /** The address it binds to. */
  host: string;
  /** What it is: `POS listener`, `HTTP listener`, ... */
  what: string;
}

/**
 * Every listener of the gateway `config` (flags over file over defaults): POS `--listen` (on `--bind`), HTTP `--http`
 * (on `--http-bind`, else `--bind`; off with `--no-http`), `--metrics` and `--stats-port` (on `--metrics-host`). The
 * one list the own-ports check and the upstream loop check (upstream-loop.ts) read.
 */
export function ownListeners(config: Partial<GatewayConfig>): OwnListener[] {
  const bind = config.bind ?? GATEWAY_DEFAULTS.bind;
  const monitoring = config.metricsHost ?? GATEWAY_DEFAULTS.metricsHost;
  return [
    { key: 'listen', flag: '--listen', port: config.listen, host: bind, what: 'POS listener' },
    { key: 'http', flag: '--http', port: config.httpEnabled === false ? undefined : config.http, host: config.httpBind ?? bind, what: 'HTTP listener' },
    { key: 'metrics', flag: '--metrics', port: config.metrics, host: monitoring, what: 'metrics listener' },
    { key: 'statsPort', flag: '--stats-port', port: config.statsPort, host: monitoring, what: 'stats listener' },
  ];
}

/**
 * Throws `ISO8583_ERR_GATEWAY_CONFIG` when two of the gateway's listeners would listen on the same port of the same
 * address (port 0, any free one, never collides): named by the later one's flag, or, when the config file gave its
 * port, the file and its key (`fileOf` returns the file's path for a key no flag gave).
 */
export function checkOwnPorts(config: Partial<GatewayConfig>, fileOf: (key: string) => string | undefined): void {
  const listeners = ownListeners(config);
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

/**
 * Several upstreams for the gateway: `--upstream [NAME=]HOST:PORT` (repeatable; a name defaults to `HOST:PORT`),
 * `--route PREFIX=NAME` (a PAN prefix routed to a named upstream; repeatable), and the config file keys `upstreams`
 * (each upstream with its own dialect, framing, TLS, sign-on and reconnect backoff, else the gateway's) and `routes` (the connector's
 * routing rules: `pan`, `mtiClass`, `processingCode`, `acquirer`, `receiver`, a rule with none being the default).
 */
import { MAX_TIMER_DELAY } from '@iso8583/connector/timeouts';
import { routeProblems } from '@iso8583/connector/routing';
import type { RouteRule } from '@iso8583/connector';
import { cliError } from '../args.js';
import { MAX_HEADER_BYTES } from '../flags.js';
import { gatewayError } from './errors.js';

/** One named upstream of the gateway; a setting it does not give is the gateway's own. */
export interface GatewayUpstream {
  /** The upstream's name (metrics label `upstream`, logs, routes, its reversal journal folder). Default: `HOST:PORT`. */
  name: string;
  /** The bank or switch, `HOST:PORT`. Required. */
  upstream: string;
  /** Dialect towards this upstream. Default: the gateway's `dialect`. */
  dialect?: string;
  /** Length header towards this upstream. Default: the gateway's `frame`. */
  frame?: string;
  /**
   * Fixed header bytes towards this upstream. Default: the length of this upstream's own `headerHex` when it gives
   * one, else the gateway's `headerBytes`.
   */
  headerBytes?: number;
  /**
   * The fixed header sent before every request to this upstream (reversals, advices and echo tests too), in hex, at
   * most 64 bytes; sets this upstream's `headerBytes` to its length (given as well, the two must agree, else an error
   * naming `/upstreams/N/headerHex`). Default: the gateway's `headerHex`.
   */
  headerHex?: string;
  /**
   * TLS towards this upstream; `false` wins over the gateway's TLS files. Default: `true` when this upstream gives its
   * own `tlsCa`, `tlsCert` or `tlsServername`, else the gateway's `tls`.
   */
  tls?: boolean;
  /** CA file (PEM). Default: the gateway's `tlsCa`. */
  tlsCa?: string;
  /** Client certificate file (PEM). Default: the gateway's `tlsCert`. */
  tlsCert?: string;
  /** Client key file (PEM). Default: the gateway's `tlsKey`. */
  tlsKey?: string;
  /** Server name expected in the certificate. Default: the gateway's `tlsServername`. */
  tlsServername?: string;
  /** Sign on and off with this upstream. Default: the gateway's `signOn`. */
  signOn?: boolean;
  /** Echo interval (ms) on this upstream. Default: the gateway's `echoInterval`. */
  echoInterval?: number;
  /** Milliseconds before the first try to reconnect this upstream. Default: the gateway's `reconnectDelay`. */
  reconnectDelay?: number;
  /** Longest milliseconds between tries to reconnect this upstream. Default: the gateway's `reconnectMaxDelay`. */
  reconnectMaxDelay?: number;
}

/** A TCP port, 1 to 65535, as a regular expression (a JSON Schema `pattern` part). */
const PORT_NUMBER = '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
/** `0.0.0.0` and its short forms a resolver reads so (`0`, `0.0`, hex `0x0`), as a regular expression. */
const IPV4_UNSPECIFIED = '(?:0+|0[xX]0*)(?:\\.(?:0+|0[xX]0*)){0,3}';
/**
 * `::` in any of its spellings (`0:0::0`, `::0.0.0.0`), and the IPv4-mapped unspecified address (`::ffff:0.0.0.0`,
 * `::ffff:0:0`, `0:0:0:0:0:ffff:0:0`, `0::ffff:0:0`), without brackets, as a regular expression.
 */
const IPV6_UNSPECIFIED = '(?:[0:.]*|[0:]*:[fF]{4}:(?:0+:0+|0+(?:\\.0+){3}))';
/**
 * A host that is the unspecified address, as a connection reads it: {@link IPV4_UNSPECIFIED}, or
 * {@link IPV6_UNSPECIFIED} in brackets. A connection to it goes to the loopback address on Linux, and nowhere
 * elsewhere: it names no bank.
 */
const UNSPECIFIED = `(?:${IPV4_UNSPECIFIED}|\\[${IPV6_UNSPECIFIED}\\])`;
/**
 * `HOST:PORT` or `[IPv6]:PORT`, the port 1 to 65535, the host not the unspecified address (`0.0.0.0`, `[::]`): the JSON
 * Schema `pattern` of every upstream address.
 */
export const HOST_PORT = `^(?!${UNSPECIFIED}:)(\\[[0-9A-Fa-f:.]+\\]|[^:\\s\\[\\]=]+):${PORT_NUMBER}$`;
/**
 * `--upstream-host HOST` (SocketQueue's half; IPv6 without brackets): not the unspecified address, in the spellings
 * {@link HOST_PORT} refuses (`0.0.0.0`, `::`, `::ffff:0:0`).
 */
export const UPSTREAM_HOST = `^(?!(?:${IPV4_UNSPECIFIED}|${IPV6_UNSPECIFIED})$)`;
const NAME = '^[A-Za-z0-9_.:\\[\\]-]{1,64}$';
/** `--header-hex HEX`: hex digits in pairs, 1 to {@link MAX_HEADER_BYTES} bytes (a JSON Schema `pattern`). */
export const HEADER_HEX = `^([0-9A-Fa-f]{2}){1,${MAX_HEADER_BYTES}}$`;

/** What an upstream address must be, in words. */
const UPSTREAM_WORDS = 'HOST:PORT (a port from 1 to 65535; a host, not the unspecified address 0.0.0.0 or ::, which names no bank)';

/** What each `pattern` of the gateway's schema asks for, in words (a problem never shows the regular expression). */
const PATTERN_WORDS: ReadonlyMap<string, string> = new Map([
  [HOST_PORT, UPSTREAM_WORDS],
  [UPSTREAM_HOST, 'a host, not the unspecified address 0.0.0.0 or ::, which names no bank'],
  [NAME, 'a name of 1 to 64 letters, digits and _ . : [ ] -'],
  [HEADER_HEX, `hex digits in pairs, 1 to ${MAX_HEADER_BYTES} bytes (e.g. 6000010000)`],
  ['^[0-9]{1,19}$', '1 to 19 digits'],
  ['^[0-9]$', 'one digit'],
  ['^[0-9]{1,6}$', '1 to 6 digits'],
]);

/** A schema problem's reason with a `must match pattern "..."` told in words. */
export function readableReason(reason: string): string {
  const m = /^must match pattern "(.*)"$/.exec(reason);
  if (m === null) return reason;
  return `must be ${PATTERN_WORDS.get(m[1] as string) ?? 'in the documented form'}`;
}

/** The JSON Schema of the config file's `upstreams`. */
export const UPSTREAMS_SCHEMA = {
  type: 'array',
  minItems: 1,
  description: 'named upstreams, in failover order',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['upstream'],
    properties: {
      name: { type: 'string', pattern: NAME },
      upstream: { type: 'string', pattern: HOST_PORT },
      dialect: { type: 'string', minLength: 1 },
      frame: { type: 'string', minLength: 1 },
      headerBytes: { type: 'integer', minimum: 0, maximum: MAX_HEADER_BYTES },
      headerHex: { type: 'string', pattern: HEADER_HEX },
      tls: { type: 'boolean' },
      tlsCa: { type: 'string', minLength: 1 },
      tlsCert: { type: 'string', minLength: 1 },
      tlsKey: { type: 'string', minLength: 1 },
      tlsServername: { type: 'string', minLength: 1 },
      signOn: { type: 'boolean' },
      echoInterval: { type: 'integer', minimum: 0 },
      reconnectDelay: { type: 'integer', minimum: 1, maximum: MAX_TIMER_DELAY },
      reconnectMaxDelay: { type: 'integer', minimum: 1, maximum: MAX_TIMER_DELAY },
    },
  },
} as const;

/** The JSON Schema of the config file's `routes`. */
export const ROUTES_SCHEMA = {
  type: 'array',
  description: 'routing rules: PAN prefix (longest wins), MTI class, processing code, fields 32/100; a rule with none is the default',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['upstream'],
    properties: {
      upstream: { type: 'string', minLength: 1 },
      pan: { type: 'string', pattern: '^[0-9]{1,19}$' },
      mtiClass: { type: 'string', pattern: '^[0-9]$' },
      processingCode: { type: 'string', pattern: '^[0-9]{1,6}$' },
      acquirer: { type: 'string', minLength: 1, maxLength: 11 },
      receiver: { type: 'string', minLength: 1, maxLength: 11 },
    },
  },
} as const;

/** One `--upstream [NAME=]HOST:PORT` value. */
export function parseUpstreamFlag(value: string): GatewayUpstream {
  const eq = value.indexOf('=');
  const name = eq < 0 ? undefined : value.slice(0, eq);
  const address = eq < 0 ? value : value.slice(eq + 1);
  if (!new RegExp(HOST_PORT).test(address) || (name !== undefined && !new RegExp(NAME).test(name))) {
    throw cliError('ISO8583_ERR_CLI_OPTION', `--upstream must be [NAME=]${UPSTREAM_WORDS}`, '--upstream');
  }
  return { name: name ?? address, upstream: address };
}

/** One `--route PREFIX=NAME` value: a PAN prefix (BIN) routed to the named upstream. */
export function parseRouteFlag(value: string): RouteRule {
  const m = /^([0-9]{1,19})=(.+)$/.exec(value);
  if (m === null) throw cliError('ISO8583_ERR_CLI_OPTION', '--route must be PREFIX=NAME (a PAN prefix of digits)', '--route');
  return { pan: m[1] as string, upstream: m[2] as string };
}

/**
 * How a problem of the upstreams or of the routes is refused: `text` and, as its field, `flag` (`--upstream`) when the
 * list came from the flags, or the config file's `key` (`/upstreams/1/name`) when it came from the file.
 */
export type ListProblem = (text: string, flag: string, key: string) => Error;

/** A {@link ListProblem} of a list given by flags: `ISO8583_ERR_GATEWAY_CONFIG` naming the flag. */
export const flagProblem: ListProblem = (text, flag) => gatewayError('ISO8583_ERR_GATEWAY_CONFIG', text, { field: flag });

/**
 * The routes and upstream names agree, each name is given once (and none of several is `upstream`), and the routes pass
 * the connector's own check (`routeProblems`: criteria, and no rule the same as an earlier one, which could never
 * match); else a config error naming the route or upstream: by `upstreamsProblem` and `routesProblem`, each the flag's
 * (default) or the config file's (config.ts) as the list came from one or the other. So `--check-config` refuses what
 * the start would, before anything opens.
 */
export function checkUpstreams(
  upstreams: readonly GatewayUpstream[],
  routes: readonly RouteRule[],
  upstreamsProblem: ListProblem = flagProblem,
  routesProblem: ListProblem = flagProblem,
): void {
  const names = new Set<string>();
  for (const [i, u] of upstreams.entries()) {
    const key = `/upstreams/${i}/name`;
    if (names.has(u.name)) throw upstreamsProblem(`upstream name ${JSON.stringify(u.name)} is given twice`, '--upstream', key);
    // The first of several upstreams also takes over the reversals stored under `upstream` (upstream-options.ts): one
    // of the others named so would have its reversals taken by the first, and sent to that bank.
    if (u.name === 'upstream' && upstreams.length > 1) {
      throw upstreamsProblem('the upstream name "upstream" is reserved when there are several upstreams: name each after its bank', '--upstream', key);
    }
    names.add(u.name);
  }
  for (const [i, r] of routes.entries()) {
    if (!names.has(r.upstream)) {
      throw routesProblem(`a route names the upstream ${JSON.stringify(r.upstream)}, which is not given`, '--route', `/routes/${i}/upstream`);
    }
  }
  const first = routeProblems(routes, names)[0];
  if (first !== undefined) {
    // The connector names the rule `routes[N]` (`routes[N].pan`): the file's pointer is `/routes/N` (`/routes/N/pan`).
    const at = /^routes\[(\d+)\](?:\.(\w+))?:/.exec(first);
    throw routesProblem(first, '--route', at === null ? '/routes' : `/routes/${at[1]}${at[2] === undefined ? '' : `/${at[2]}`}`);
  }
}

/** `--upstream` values (each a string) and the file's `upstreams` made one list; `undefined` for today's lone upstream. */
export function upstreamsOf(flagValues: readonly string[], fromFile: readonly GatewayUpstream[] | undefined): GatewayUpstream[] | undefined {
  if (flagValues.length === 1 && !(flagValues[0] as string).includes('=')) return undefined;
  if (flagValues.length > 0) return flagValues.map(parseUpstreamFlag);
  return fromFile?.map((u) => ({ ...u, name: u.name ?? u.upstream }));
}

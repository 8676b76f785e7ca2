/**
 * The log line of a capped port (connection-cap.ts) that sheds connections: one `warn` line a second at most, with the
 * counts since the last one, so that a client opening connections as fast as it can fills no disk. The first shed is
 * told within a second; a port that sheds nothing writes nothing. The line names the flags that set the port's cap and
 * an address's share of it, and their values, when its caller gives them (the gateway's: {@link capFlags};
 * `iso8583 run`'s HTTP port: its FLOW.json options, {@link FLOW_HTTP_CAP_FLAGS}).
 */
import type { Logger } from 'pino';
import type { CapAnswers } from './connection-cap.js';

/** The shortest time between two lines of one port: 1000 ms. */
export const SHED_LOG_EVERY = 1_000;

/** The flags of a capped port: its connection cap and an address's share of it. */
export interface CapFlags {
  /** The cap's flag: `--http-max-connections`. */
  readonly cap: string;
  /** The flag of an address's share: `--http-max-connections-per-address`. Default: none named. */
  readonly perAddress?: string;
}

/** The gateway's flags of each capped port: the stats port shares the `--metrics` port's (each its own cap). */
const CAP_FLAGS: Readonly<Record<string, CapFlags>> = {
  http: { cap: '--http-max-connections', perAddress: '--http-max-connections-per-address' },
  metrics: { cap: '--metrics-max-connections', perAddress: '--metrics-max-connections-per-address' },
  stats: { cap: '--metrics-max-connections', perAddress: '--metrics-max-connections-per-address' },
};

/**
 * What names the cap of a flow's HTTP port (`iso8583 run`) and an address's share of it: their FLOW.json options.
 */
export const FLOW_HTTP_CAP_FLAGS: CapFlags = { cap: '/http/maxConnections', perAddress: '/http/maxConnectionsPerAddress' };

/** The flags that set the cap of the port `port` (`http`, `metrics`, `stats`); `undefined` for a port without. */
export function capFlags(port: string): CapFlags | undefined {
  return Object.hasOwn(CAP_FLAGS, port) ? CAP_FLAGS[port] : undefined;
}

/** The values of a port's cap and of an address's share, when the caller knows them. */
export interface CapLimits {
  /** Most connections at once. */
  readonly max: number;
  /** Most connections of one address at once. */
  readonly perAddress: number;
}

/** What a shed line names of its port's cap: the flags that set it and their values, each when known. */
export interface CapNames {
  /** The flags of the cap and of an address's share (the gateway's: {@link capFlags}). Default: none named. */
  readonly flags?: CapFlags;
  /** The values of the cap and of an address's share. Default: none named. */
  readonly limits?: CapLimits;
}

/** `(--http-max-connections 4; an address's share --http-max-connections-per-address 3)`, or `''` for a port without flags. */
function named(flags: CapFlags | undefined, limits: CapLimits | undefined): string {
  if (flags === undefined) return limits === undefined ? '' : ` (${limits.max}; an address's share ${limits.perAddress})`;
  const value = (n: number | undefined): string => (n === undefined ? '' : ` ${n}`);
  const share = flags.perAddress === undefined ? '' : ` ${flags.perAddress}`;
  return ` (${flags.cap}${value(limits?.max)}; an address's share${share}${value(limits?.perAddress)})`;
}

/**
 * The `onShed` of {@link CapAnswers} for the port `port` (`http`, `metrics`, `stats`): counts each refusal (at the cap,
 * and at an address's share) and eviction
 * and writes them to `logger` at `warn`, at most one line each `every` ms (default {@link SHED_LOG_EVERY}), naming
 * what `names` gives (default: nothing): the flags of the port's cap (fields `option`, `perAddressOption`) and their
 * values (`max`, `perAddress`).
 */
export function shedLog(logger: Logger | undefined, port: string, every = SHED_LOG_EVERY, names: CapNames = {}): NonNullable<CapAnswers['onShed']> {
  const counts = { refused: 0, refusedFromAddress: 0, evicted: 0 };
  const { flags, limits } = names;
  const options = flags === undefined ? {} : { option: flags.cap, ...(flags.perAddress === undefined ? {} : { perAddressOption: flags.perAddress }) };
  const values = limits === undefined ? {} : { max: limits.max, perAddress: limits.perAddress };
  const cap = `the ${port} port was at its connection cap${named(flags, limits)}`;
  let timer: NodeJS.Timeout | undefined;
  const write = (): void => {
    timer = undefined;
    const { refused, refusedFromAddress, evicted } = counts;
    counts.refused = 0;
    counts.refusedFromAddress = 0;
    counts.evicted = 0;
    logger?.warn({ port, refused, refusedFromAddress, evicted, ...options, ...values },
      `${cap}: ${refused} new connection(s) refused, ${refusedFromAddress} refused at their address's share, ${evicted} held one(s) closed to make room`);
  };
  return (what) => {
    counts[what]++;
    timer ??= setTimeout(write, every).unref();
  };
}

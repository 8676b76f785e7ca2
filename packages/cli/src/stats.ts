/**
 * Resettable statistics over the connector's cumulative counters. SIGHUP resets what `GET /stats` shows (as
 * SocketQueue does) by keeping a baseline and subtracting it; Prometheus counters are never reset (a scraper expects
 * them to only grow).
 */

/** Figures that are a current level, not a count since start: shown as they are, never subtracted. */
const GAUGES = new Set(['connected', 'free', 'pending', 'inFlight', 'reversalsPending', 'safDepth', 'safNotDurable', 'safNotStored', 'safUnrecorded', 'safOtherBank', 'connections', 'active', 'size']);

/** Breakdowns whose name does not start with `by`: SocketQueue's, emptied by a reset as SocketQueue empties them. */
const BREAKDOWNS = new Set(['faultStat', 'packetCount']);

/** A breakdown by its name: `byMti`, `byResponseCode`, and `xByY` (the inbound endpoint's `errorsByCode`). */
const BY = /^by|By[A-Z]/;

/**
 * Maps keyed by names a user gives (the gateway's `upstreams`, a flow's `connectors`, `upstreamGroups`,
 * `inboundEndpoints`): their keys are names, never figure names, so `GAUGES`, `BY` and `BREAKDOWNS` apply to the
 * figures inside each entry, not to the entry's name (an upstream `bypass` is no breakdown, one named `free` no gauge).
 */
const NAMED = new Set(['upstreams', 'connectors', 'upstreamGroups', 'inboundEndpoints']);

type Tree = { [key: string]: unknown };

/** Digits after the point of `n` as JavaScript writes it (0 for an integer, or one written with an exponent). */
function decimals(n: number): number {
  const text = String(n);
  const point = text.indexOf('.');
  return point < 0 || text.includes('e') ? 0 : text.length - point - 1;
}

/**
 * `current - baseline` with no float dust: SocketQueue's amounts are major units (12.3 - 10.1 is 2.2, not
 * 2.2000000000000010), so the difference is rounded to the decimals the two are written with.
 */
function minus(current: number, baseline: number): number {
  const digits = Math.max(decimals(current), decimals(baseline));
  const diff = current - baseline;
  return digits === 0 || digits > 15 ? diff : Number(diff.toFixed(digits));
}

function isTree(v: unknown): v is Tree {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * `current - baseline` for every numeric counter (recursively); gauges and non-numbers are kept as they are. Inside a
 * breakdown (`byMti`, `byResponseCode`, `errorsByCode`, `faultStat`, `packetCount`) an entry back at zero since the reset is left out,
 * except a `total`. Figures are told by their key where a figure stands, never by a name a user gave (`named`: the
 * entries of `upstreams` and the other maps of `NAMED`).
 */
export function since(current: unknown, baseline: unknown, breakdown = false, named = false): unknown {
  if (typeof current === 'number') return typeof baseline === 'number' ? minus(current, baseline) : current;
  if (!isTree(current)) return current;
  const base = isTree(baseline) ? baseline : {};
  const out: Tree = {};
  // Keys are names a user gives (an upstream `__proto__`, `constructor`): each read and written as the object's own.
  const put = (key: string, value: unknown): void => {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const [key, value] of Object.entries(current)) {
    const was = Object.hasOwn(base, key) ? base[key] : undefined;
    // An entry of a map of names (`NAMED`): its key is a name, its value figures read by their own keys.
    if (named) {
      put(key, since(value, was));
      continue;
    }
    if (NAMED.has(key) && isTree(value)) {
      put(key, since(value, was, false, true));
      continue;
    }
    if (GAUGES.has(key)) {
      put(key, value);
      continue;
    }
    const v = since(value, was, BY.test(key) || BREAKDOWNS.has(key));
    if (breakdown && v === 0 && key !== 'total') continue;
    put(key, v);
  }
  return out;
}

/** A baseline that can be reset. */
export class ResettableStats {
  private baseline: unknown = undefined;
  private resetAt = new Date();

  constructor(private readonly read: () => unknown) {}

  /** The figures since the last reset. */
  snapshot(): { since: string; figures: unknown } {
    return { since: this.resetAt.toISOString(), figures: since(this.read(), this.baseline) };
  }

  /** Starts counting from now. */
  reset(): void {
    this.baseline = structuredClone(this.read());
    this.resetAt = new Date();
  }
}

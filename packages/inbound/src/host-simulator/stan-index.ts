/**
 * Journal entries and remembered reversals by STAN (field 11) and terminal (field 41, or none): what a reversal or a
 * late original is looked up by. Each STAN and terminal has its items in arrival order; one that holds more than
 * {@link SMALL} (a terminal that reuses its STAN many times within the journal) also keys them by the exact keys the
 * owner gives (card, message class, time), so that a lookup reads the few items under the keys it names instead of
 * every item of the STAN and terminal. Items leave in arrival order (oldest first), so memory stays what the owner
 * keeps.
 */

/** What the index needs of an item: its STAN, its terminal (when given), and a slot for its arrival number. */
export interface Indexed {
  stan: string;
  terminal?: string | undefined;
  /** Set by the index: the item's arrival number (the later of two candidates wins a lookup). */
  arrival: number;
}

/** Items of one STAN and terminal up to which a lookup reads them all (no keys kept). */
export const SMALL = 8;

/** The items of one STAN and terminal, and their exact keys once there are more than {@link SMALL}. */
interface Bucket<T> {
  items: T[];
  byKey: Map<string, T[]> | undefined;
}

/** The key of a STAN and terminal: the STAN's length first, so that no two pairs share one. */
function pairKey(stan: string, terminal: string | undefined): string {
  return terminal === undefined ? `${stan.length}:${stan}` : `${stan.length}:${stan}:${terminal}`;
}

function removeFrom<T>(list: T[], item: T): void {
  if (list[0] === item) list.shift();
  else {
    const i = list.indexOf(item);
    if (i !== -1) list.splice(i, 1);
  }
}

export class StanTerminalIndex<T extends Indexed> {
  readonly #buckets = new Map<string, Bucket<T>>();
  #arrivals = 0;

  /** `keysOf`: the exact keys an item is found under in a large bucket (see {@link latest}'s `probes`). */
  constructor(private readonly keysOf: (item: T) => readonly string[]) {}

  add(item: T): void {
    item.arrival = ++this.#arrivals;
    const key = pairKey(item.stan, item.terminal);
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      this.#buckets.set(key, { items: [item], byKey: undefined });
      return;
    }
    bucket.items.push(item);
    if (bucket.byKey !== undefined) this.#keyed(bucket.byKey, item);
    else if (bucket.items.length > SMALL) {
      bucket.byKey = new Map();
      for (const old of bucket.items) this.#keyed(bucket.byKey, old);
    }
  }

  #keyed(byKey: Map<string, T[]>, item: T): void {
    for (const k of this.keysOf(item)) {
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [item]);
      else list.push(item);
    }
  }

  /** Removes `item`: the oldest of its lists when the caller removes in arrival order (no search then). */
  remove(item: T): void {
    const key = pairKey(item.stan, item.terminal);
    const bucket = this.#buckets.get(key);
    if (bucket === undefined) return;
    removeFrom(bucket.items, item);
    if (bucket.items.length === 0) {
      this.#buckets.delete(key);
      return;
    }
    if (bucket.byKey === undefined) return;
    for (const k of this.keysOf(item)) {
      const list = bucket.byKey.get(k);
      if (list === undefined) continue;
      removeFrom(list, item);
      if (list.length === 0) bucket.byKey.delete(k);
    }
  }

  /**
   * The latest item with this STAN and terminal (both absent alike) that `matches`. `probes`: the exact keys (of
   * `keysOf`) under which every item that can match is found, or `undefined` when the caller cannot say (then every
   * item of the STAN and terminal is read, latest first).
   */
  latest(stan: string, terminal: string | undefined, probes: readonly string[] | undefined, matches: (item: T) => boolean): T | undefined {
    const bucket = this.#buckets.get(pairKey(stan, terminal));
    if (bucket === undefined) return undefined;
    if (bucket.byKey === undefined || probes === undefined) return latestIn(bucket.items, matches);
    let found: T | undefined;
    for (const k of probes) {
      const list = bucket.byKey.get(k);
      const item = list === undefined ? undefined : latestIn(list, matches);
      if (item !== undefined && (found === undefined || item.arrival > found.arrival)) found = item;
    }
    return found;
  }
}

function latestIn<T>(list: readonly T[], matches: (item: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (matches(list[i]!)) return list[i];
  return undefined;
}

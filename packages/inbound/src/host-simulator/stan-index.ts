/**
 * Journal entries and remembered reversals by STAN (field 11) and terminal (field 41, or none): what a reversal or a
 * late original is looked up by. Each STAN and terminal has its items in arrival order; one that holds more than
 * {@link SMALL} (a terminal that reuses its STAN many times within the journal) also keys them by the exact keys the
 * owner gives (card, message class, time), so that a lookup reads the few items under the keys it names instead of
 * every item of the STAN and terminal. Items leave in arrival order (oldest first), so memory stays what the owner
 * keeps.
 */

import { DictionaryMap } from '@iso8583/codec';

/** What the index needs of an item: its STAN, its terminal (when given), and slots the index fills. */
export interface Indexed {
  stan: string;
  terminal?: string | undefined;
  /** Set by the index: the item's arrival number (the later of two candidates wins a lookup). */
  arrival: number;
  /** Set by the index: the key of its STAN and terminal (made once per item). */
  pair: string;
}

/** Items of one STAN and terminal up to which a lookup reads them all (no keys kept). */
export const SMALL = 8;

/** The key of a STAN and terminal: the STAN's length first, so that no two pairs share one. */
function pairKey(stan: string, terminal: string | undefined): string {
  return terminal === undefined ? `${stan.length}:${stan}` : `${stan.length}:${stan}:${terminal}`;
}

/**
 * Items in arrival order, the oldest leaving first without moving the rest (an array's `shift` copies every item:
 * a STAN and terminal reused 20,000 times would copy 20,000 per transaction); the left part is dropped once it is
 * half the array.
 */
class Queue<T> {
  readonly items: T[];
  head = 0;

  constructor(first: T) {
    this.items = [first];
  }

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes `item` (no search when it is the oldest); false when it is not there. */
  remove(item: T): boolean {
    const { items } = this;
    if (items[this.head] === item) {
      items[this.head++] = undefined as T;
      if (this.head === items.length) {
        items.length = 0;
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > items.length) {
        items.splice(0, this.head);
        this.head = 0;
      }
      return true;
    }
    const i = items.indexOf(item, this.head);
    if (i === -1) return false;
    items.splice(i, 1);
    return true;
  }

  /** The latest item that `matches`. */
  latest(matches: (item: T) => boolean): T | undefined {
    const { items } = this;
    for (let i = items.length - 1; i >= this.head; i--) if (matches(items[i]!)) return items[i];
    return undefined;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }
}

export class StanTerminalIndex<T extends Indexed> {
  /** STAN and terminal -> its one item, or its items in arrival order (most hold one: no list made for it). */
  readonly #items = new DictionaryMap<T | Queue<T>>();
  /** STAN and terminal holding more than {@link SMALL} items -> their items by exact key, in arrival order. */
  readonly #keyed = new Map<string, Map<string, Queue<T>>>();
  #arrivals = 0;
  #count = 0;

  /** `keysOf`: the exact keys an item is found under in a large bucket (see {@link latest}'s `probes`). */
  constructor(private readonly keysOf: (item: T) => readonly string[]) {}

  /** How many items the index holds. */
  get size(): number {
    return this.#count;
  }

  add(item: T): void {
    item.arrival = ++this.#arrivals;
    const pair = (item.pair = pairKey(item.stan, item.terminal));
    this.#count++;
    const held = this.#items.get(pair);
    if (held === undefined) {
      this.#items.set(pair, item);
      return;
    }
    if (!(held instanceof Queue)) {
      const queue = new Queue(held);
      queue.push(item);
      this.#items.set(pair, queue);
      return;
    }
    held.push(item);
    const byKey = this.#keyed.get(pair);
    if (byKey !== undefined) this.#key(byKey, item);
    else if (held.length > SMALL) {
      const made = new Map<string, Queue<T>>();
      for (const old of held) this.#key(made, old);
      this.#keyed.set(pair, made);
    }
  }

  #key(byKey: Map<string, Queue<T>>, item: T): void {
    for (const k of this.keysOf(item)) {
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, new Queue(item));
      else list.push(item);
    }
  }

  /** Removes `item`: the oldest of its lists when the caller removes in arrival order (no search then). */
  remove(item: T): void {
    const pair = item.pair;
    const held = this.#items.get(pair);
    if (held === undefined) return;
    if (!(held instanceof Queue)) {
      if (held !== item) return;
      this.#items.delete(pair);
      this.#count--;
      return;
    }
    if (!held.remove(item)) return;
    this.#count--;
    if (held.length === 0) this.#items.delete(pair);
    const byKey = this.#keyed.get(pair);
    if (byKey === undefined) return;
    if (held.length === 0) {
      this.#keyed.delete(pair);
      return;
    }
    for (const k of this.keysOf(item)) {
      const list = byKey.get(k);
      if (list === undefined) continue;
      list.remove(item);
      if (list.length === 0) byKey.delete(k);
    }
  }

  /**
   * The latest item with this STAN and terminal (both absent alike) that `matches`. `probes`: the exact keys (of
   * `keysOf`) under which every item that can match is found, or `undefined` when the caller cannot say (then every
   * item of the STAN and terminal is read, latest first).
   */
  latest(stan: string, terminal: string | undefined, probes: readonly string[] | undefined, matches: (item: T) => boolean): T | undefined {
    const pair = pairKey(stan, terminal);
    const held = this.#items.get(pair);
    if (held === undefined) return undefined;
    if (!(held instanceof Queue)) return matches(held) ? held : undefined;
    const byKey = this.#keyed.get(pair);
    if (byKey === undefined || probes === undefined) return held.latest(matches);
    let found: T | undefined;
    for (const k of probes) {
      const list = byKey.get(k);
      const item = list?.latest(matches);
      if (item !== undefined && (found === undefined || item.arrival > found.arrival)) found = item;
    }
    return found;
  }

  /**
   * {@link latest}, the exact time first: with a `time`, the latest matching item whose time (`timeOf`) is that time;
   * when there is none (or no `time`), the latest matching item whatever its time. So an item without a time does not
   * take what another names by its time, and leaves that other to take a later one.
   */
  latestExactFirst(
    stan: string,
    terminal: string | undefined,
    probes: readonly string[] | undefined,
    time: string | undefined,
    timeOf: (item: T) => string | undefined,
    matches: (item: T) => boolean,
  ): T | undefined {
    const exact = time === undefined ? undefined : this.latest(stan, terminal, probes, (item) => timeOf(item) === time && matches(item));
    return exact ?? this.latest(stan, terminal, probes, matches);
  }
}

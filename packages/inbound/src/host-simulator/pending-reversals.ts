/**
 * Reversals that arrived before their original (the acquirer timed out and reversed while the request was still on its
 * way): answered 25 at the time, and remembered so that the original, when it comes, moves no money (a full reversal),
 * or only the amount a partial one says was done. The last `limit` are kept, oldest dropped first, as the journal
 * keeps its transactions.
 */
import { entryTime, exactKey, matchesOriginal, namedTime } from './journal.js';
import type { JournalEntry, OriginalKeys } from './journal.js';
import { StanTerminalIndex } from './stan-index.js';

/** A remembered reversal. */
export interface PendingReversal {
  stan: string;
  terminal: string | undefined;
  /** Its arrival number and STAN and terminal key in the index (see `StanTerminalIndex`). */
  arrival: number;
  pair: string;
  keys: OriginalKeys;
  /** The amount a partial reversal says was actually done; `undefined` for a full reversal. */
  actual: number | undefined;
  /** False once taken (an original matched it) or dropped. */
  live: boolean;
}

/** The reversals whose original the journal did not hold, by the STAN and terminal they name; the last `limit` kept. */
export class PendingReversals {
  readonly #index = new StanTerminalIndex<PendingReversal>(pendingKeys);
  /** The keys of every live one, to keep a repeat (0421) once without a search. */
  readonly #named = new Set<string>();
  readonly #order: PendingReversal[] = [];
  #head = 0;

  constructor(private readonly limit: number) {}

  /**
   * Remembers a reversal whose original `stan` and `keys` name but the journal does not hold (`actual`: what a partial
   * one says was done). A reversal that names nothing beyond the STAN, the message class and the PAN (no transmission
   * or local time, terminal or acquirer) is not kept: it would cancel any later transaction with that STAN. The same
   * keys again (a repeat 0421) are kept once.
   */
  add(stan: string, keys: OriginalKeys, actual: number | undefined): void {
    if (keys.transmission === undefined && keys.local === undefined && keys.terminal === undefined && keys.acquirer === undefined) return;
    const name = nameOf(stan, keys);
    if (this.#named.has(name)) return;
    this.#named.add(name);
    const pending: PendingReversal = { stan, terminal: keys.terminal, arrival: 0, pair: '', keys, actual, live: true };
    this.#index.add(pending);
    this.#order.push(pending);
    while (this.#order.length - this.#head > this.limit) this.#forget(this.#order[this.#head++]!);
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /**
   * The remembered reversal that names `entry`, a transaction just received (and forgotten), if any: the latest that
   * names its exact time first, else the latest that names no time (or names a 1987 repeat's original, see
   * `matchesOriginal`), so that one naming no time does not take the transaction another names, and leave that
   * other to take a later one.
   */
  take(entry: JournalEntry): PendingReversal | undefined {
    // Most of the time none is remembered: nothing to look up.
    if (this.#index.size === 0) return undefined;
    const probes = pendingProbes(entry);
    const time = entryTime(entry);
    const pending = this.#index.latestExactFirst(entry.stan, entry.terminal, probes, time, pendingTime, (p) => matchesOriginal(entry, p.keys));
    if (pending !== undefined) this.#forget(pending);
    return pending;
  }

  #forget(pending: PendingReversal): void {
    if (!pending.live) return;
    pending.live = false;
    this.#index.remove(pending);
    this.#named.delete(nameOf(pending.stan, pending.keys));
  }
}

/** The time a remembered reversal names its original by (see `namedTime`), when it names one. */
function pendingTime(pending: PendingReversal): string | undefined {
  const { keys } = pending;
  return keys.mti === undefined ? undefined : namedTime(keys.mti, keys);
}

/** The key of a remembered reversal in a large STAN and terminal bucket: the card, class and time it names, or `*`. */
function pendingKeys(pending: PendingReversal): string[] {
  const { keys } = pending;
  return [exactKey(keys.pan, keys.mti, pendingTime(pending))];
}

/**
 * The keys under which every remembered reversal that can name `entry` is found (see `matchesOriginal`): those that
 * name its card or none, its class and time, its class and no time, or no class (then no time: only field 90 or 56
 * names one); `undefined` (every one of the STAN and terminal) when the entry has no such time (any time named
 * matches it) or is a 1987 repeat (a time not later than its own matches it: see `matchesOriginal`).
 */
function pendingProbes(entry: JournalEntry): string[] | undefined {
  const time = entryTime(entry);
  if (time === undefined) return undefined;
  const probes: string[] = [];
  for (const pan of [entry.pan, undefined]) {
    probes.push(exactKey(pan, entry.mti, time), exactKey(pan, entry.mti, undefined), exactKey(pan, undefined, undefined));
  }
  return probes;
}

/** One text for a reversal's STAN and keys. */
function nameOf(stan: string, keys: OriginalKeys): string {
  return JSON.stringify([stan, keys.mti, keys.transmission, keys.local, keys.terminal, keys.acquirer, keys.pan]);
}

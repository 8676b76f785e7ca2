/**
 * Reversals that arrived before their original (the acquirer timed out and reversed while the request was still on its
 * way): answered 25 at the time, and remembered so that the original, when it comes, moves no money. The last `limit`
 * are kept, oldest dropped first, as the journal keeps its transactions.
 */
import { matchesOriginal } from './journal.js';
import type { JournalEntry, OriginalKeys } from './journal.js';

interface Pending {
  stan: string;
  keys: OriginalKeys;
  /** False once taken (an original matched it) or dropped. */
  live: boolean;
}

/** The reversals whose original the journal did not hold, by the STAN they name; the last `limit` kept. */
export class PendingReversals {
  readonly #byStan = new Map<string, Pending[]>();
  readonly #order: Pending[] = [];
  #head = 0;

  constructor(private readonly limit: number) {}

  /**
   * Remembers a reversal whose original `stan` and `keys` name but the journal does not hold. A reversal that names
   * nothing beyond the STAN and the message class (no transmission or local time, terminal or acquirer) is not kept:
   * it would cancel any later transaction with that STAN. The same keys again (a repeat 0421) are kept once.
   */
  add(stan: string, keys: OriginalKeys): void {
    if (keys.transmission === undefined && keys.local === undefined && keys.terminal === undefined && keys.acquirer === undefined) return;
    const list = this.#byStan.get(stan);
    if (list?.some((p) => sameKeys(p.keys, keys)) === true) return;
    const pending: Pending = { stan, keys, live: true };
    if (list === undefined) this.#byStan.set(stan, [pending]);
    else list.push(pending);
    this.#order.push(pending);
    while (this.#order.length - this.#head > this.limit) this.#forget(this.#order[this.#head++]!);
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** True (and forgotten) when a remembered reversal names `entry`, a transaction just received. */
  take(entry: JournalEntry): boolean {
    const list = this.#byStan.get(entry.stan);
    const pending = list?.find((p) => matchesOriginal(entry, p.keys));
    if (pending === undefined) return false;
    this.#forget(pending);
    return true;
  }

  #forget(pending: Pending): void {
    if (!pending.live) return;
    pending.live = false;
    const list = this.#byStan.get(pending.stan);
    if (list === undefined) return;
    list.splice(list.indexOf(pending), 1);
    if (list.length === 0) this.#byStan.delete(pending.stan);
  }
}

function sameKeys(a: OriginalKeys, b: OriginalKeys): boolean {
  return a.mti === b.mti && a.transmission === b.transmission && a.local === b.local && a.terminal === b.terminal && a.acquirer === b.acquirer;
}

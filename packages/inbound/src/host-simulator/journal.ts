/** An authorisation or financial transaction the simulated host answered, kept to match reversals and duplicates. */
export interface JournalEntry {
  /** The request MTI (0100, 0200, 0120, 0220, their repeats; 1xxx under 1993). */
  mti: string;
  /** Field 11, the STAN. */
  stan: string;
  /** Field 7, the transmission date and time (MMDDhhmmss), when given. */
  transmission: string | undefined;
  /** Field 12, the local transaction date and time, when given (matched by 1993 reversals, field 56). */
  local?: string | undefined;
  /** Field 41, the terminal id, when given. */
  terminal: string | undefined;
  /** Field 32, the acquiring institution id, when given. */
  acquirer: string | undefined;
  /** The PAN the amount was taken from. */
  pan: string;
  /**
   * Field 4 of the request or advice (0 for a balance inquiry): the most a partial reversal can say was actually
   * done.
   */
  amount: number;
  /**
   * The amount this transaction has taken from the balance and still holds: the amount debited or held (0 when
   * declined or a credit), less what partial reversals gave back; 0 for a pre-authorisation once a completion took its
   * hold over.
   */
  debited: number;
  /** The amount credited (refund) and still standing (less what partial reversals took back), to take back on reversal. */
  credited: number;
  /** For a completion advice: the hold of the pre-authorisation it released (put back if the completion is reversed). */
  released?: number;
  /**
   * Set once a full reversal has restored the balance (or the reversal came first: see `PendingReversals`), so a
   * repeated 0420/0421 does not restore twice and a resend of the request is declined.
   */
  reversed: boolean;
  /**
   * The answer given, given again to a repeat or a duplicate without touching the balance: field 39 (a 1987 response
   * code), 37, and 38 and 54 when it carried them. Unset until answered.
   */
  code?: string;
  rrn?: string;
  approval?: string | undefined;
  balance?: string | undefined;
  /** For a completion advice (0220 naming an 0100 in field 90): the pre-authorisation whose hold it released. */
  completes?: JournalEntry;
  /** For a pre-authorisation: the completion advice that released its hold (a reversal then has nothing to release). */
  completedBy?: JournalEntry;
}

/**
 * What a reversal says of its original besides the STAN: from field 90 (1987) or 56 (1993), else its own terminal (41)
 * and acquirer (32).
 */
export interface OriginalKeys {
  mti?: string;
  transmission?: string;
  local?: string;
  terminal?: string;
  acquirer?: string;
}

/**
 * True when `entry` is the transaction `keys` name: the same message class (first two MTI digits), and each key given
 * on both sides equal (an absent key matches anything; acquirer ids compared as numbers, zero-padded or not).
 */
export function matchesOriginal(entry: JournalEntry, keys: OriginalKeys): boolean {
  if (keys.mti !== undefined && entry.mti.slice(0, 2) !== keys.mti.slice(0, 2)) return false;
  if (keys.transmission !== undefined && entry.transmission !== undefined && entry.transmission !== keys.transmission) return false;
  if (keys.local !== undefined && entry.local !== undefined && entry.local !== keys.local) return false;
  if (keys.terminal !== undefined && entry.terminal !== undefined && entry.terminal !== keys.terminal) return false;
  return keys.acquirer === undefined || entry.acquirer === undefined || Number(entry.acquirer) === Number(keys.acquirer);
}

/**
 * The journal of the simulated host: the last `limit` transactions, oldest dropped first (so memory stays flat
 * over any number of transactions). Looked up by STAN, then narrowed by the other keys; or by duplicate key.
 */
export class Journal {
  private readonly byStan = new Map<string, JournalEntry[]>();
  private readonly order: JournalEntry[] = [];
  private head = 0;

  constructor(private readonly limit: number) {}

  add(entry: JournalEntry): void {
    const list = this.byStan.get(entry.stan);
    if (list === undefined) this.byStan.set(entry.stan, [entry]);
    else list.push(entry);
    this.order.push(entry);
    if (this.order.length - this.head > this.limit) this.evict();
  }

  private evict(): void {
    const old = this.order[this.head]!;
    this.head++;
    const list = this.byStan.get(old.stan);
    if (list !== undefined) {
      const i = list.indexOf(old);
      if (i !== -1) list.splice(i, 1);
      if (list.length === 0) this.byStan.delete(old.stan);
    }
    // Links to an evicted entry go with it (memory stays bounded by `limit`).
    if (old.completes !== undefined) old.completes.completedBy = undefined;
    if (old.completedBy !== undefined) old.completedBy.completes = undefined;
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * The transaction an issuer's duplicate check finds for a request, if the journal still holds it: the same version,
   * class and function of the MTI (an 0200 and its repeat 0201 match, an 0100 and an 0200 do not), STAN (11),
   * transmission date and time (7), terminal (41) and acquirer (32), each present or absent alike.
   */
  duplicate(mti: string, stan: string, transmission: string | undefined, terminal: string | undefined, acquirer: string | undefined): JournalEntry | undefined {
    const list = this.byStan.get(stan);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.transmission === transmission && e.terminal === terminal && e.acquirer === acquirer && e.mti.startsWith(mti.slice(0, 3))) return e;
    }
    return undefined;
  }

  /** The latest entry with this STAN whose given keys all match (see {@link matchesOriginal}). */
  find(stan: string, keys: OriginalKeys): JournalEntry | undefined {
    const list = this.byStan.get(stan);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (matchesOriginal(e, keys)) return e;
    }
    return undefined;
  }

  get size(): number {
    return this.order.length - this.head;
  }
}

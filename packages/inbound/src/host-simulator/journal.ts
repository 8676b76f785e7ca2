import { DictionaryMap } from '@iso8583/codec';
import type { Account } from './accounts.js';
import type { DuplicateKeys } from './duplicate-key.js';
import { isRepeat, sentLater } from './duplicate-key.js';
import { StanTerminalIndex } from './stan-index.js';

/** An authorisation or financial transaction the simulated host answered, kept to match reversals and duplicates. */
export interface JournalEntry {
  /** The keys of the duplicate check (see `duplicateKeys`). */
  keys: DuplicateKeys;
  /** The request MTI (0100, 0200, 0120, 0220, their repeats; 1xxx under 1993). */
  mti: string;
  /** Field 11, the STAN. */
  stan: string;
  /** Its arrival number and STAN and terminal key in the journal's index (see `StanTerminalIndex`). */
  arrival: number;
  pair: string;
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
   * The card's account, once the issuer has found it (see `Accounts.use`), until the journal drops the entry: what it
   * holds then no longer counts in its card's `reversible`.
   */
  account?: Account;
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
  /** Field 4 of a partial approval (`10`): the amount approved, answered again to a repeat or a duplicate. */
  approved?: string | undefined;
  /** For a completion advice (0220 naming an 0100 in field 90): the pre-authorisation whose hold it released. */
  completes?: JournalEntry;
  /** For a pre-authorisation: the completion advice that released its hold (a reversal then has nothing to release). */
  completedBy?: JournalEntry;
}

/**
 * What a reversal says of its original besides the STAN: from field 90 (1987) or 56 (1993), its own terminal (41)
 * and acquirer (32) when field 90 or 56 does not name one, and its PAN (2, else track 2) when it carries one.
 */
export interface OriginalKeys {
  mti?: string;
  transmission?: string;
  local?: string;
  terminal?: string;
  acquirer?: string;
  pan?: string;
}

/**
 * True for a 1987 repeat (x0x1) journaled as its original (the original never came first): its field 7 is the time of
 * its own transmission, not the original's, which a reversal's field 90 names (1993 repeats carry the original's
 * field 12, what field 56 names).
 */
function repeatTimed(entry: JournalEntry): boolean {
  return entry.mti[0] !== '1' && isRepeat(entry.mti);
}

/**
 * True when `entry` is the transaction `keys` name: the same message class (first two MTI digits), the same terminal
 * (41; absent on both sides alike: a reversal comes from the terminal of its original), the same PAN when the keys
 * carry one, and each other key given on both sides equal (an absent one matches anything; acquirer ids compared as
 * numbers, zero-padded or not). A 1987 repeat journaled as its original matches a field 7 named not later than its own
 * (the original left before its repeat; the year turning over taken into account: see `sentLater`).
 */
export function matchesOriginal(entry: JournalEntry, keys: OriginalKeys): boolean {
  if (keys.mti !== undefined && entry.mti.slice(0, 2) !== keys.mti.slice(0, 2)) return false;
  if (entry.terminal !== keys.terminal) return false;
  if (keys.pan !== undefined && entry.pan !== keys.pan) return false;
  if (keys.transmission !== undefined && entry.transmission !== undefined && entry.transmission !== keys.transmission) {
    if (!repeatTimed(entry) || sentLater(keys.transmission, entry.transmission)) return false;
  }
  if (keys.local !== undefined && entry.local !== undefined && entry.local !== keys.local) return false;
  return keys.acquirer === undefined || entry.acquirer === undefined || Number(entry.acquirer) === Number(keys.acquirer);
}

/**
 * The time a reversal names its original by: field 7 (MMDDhhmmss) in a 1987 field 90, field 12 in a 1993 field 56;
 * which one by the version digit of `mti`.
 */
export function namedTime(mti: string, fields: { transmission?: string | undefined; local?: string | undefined }): string | undefined {
  return mti[0] === '1' ? fields.local : fields.transmission;
}

/**
 * An exact key of the STAN and terminal index (see `StanTerminalIndex`): card, message class (first two MTI digits)
 * and the time a reversal names (see {@link namedTime}), each `*` when left open.
 */
export function exactKey(pan: string | undefined, mti: string | undefined, time: string | undefined): string {
  return `${pan ?? '*'}|${mti === undefined ? '*' : mti.slice(0, 2)}|${time ?? '*'}`;
}

/**
 * The time a reversal names `entry` by exactly (see {@link namedTime}); `undefined` when none can: without it, or for a
 * 1987 repeat journaled as its original (matched by a time not later than its own: see {@link matchesOriginal}).
 */
export function entryTime(entry: JournalEntry): string | undefined {
  return repeatTimed(entry) ? undefined : namedTime(entry.mti, entry);
}

/**
 * The keys of a journal entry in a large STAN and terminal bucket: its card, class and named time; its card alone; its
 * class and named time whatever the card (what a reversal without a PAN names).
 */
function entryKeys(entry: JournalEntry): string[] {
  const time = entryTime(entry);
  return [exactKey(entry.pan, entry.mti, time), exactKey(entry.pan, undefined, undefined), exactKey(undefined, entry.mti, time)];
}

/**
 * The keys under which every entry that `keys` can match is found (see {@link matchesOriginal}): with a class and a
 * time, the entries of that class and time and those without a time (of the card, when given); with a card only, that
 * card's; `undefined` (every entry of the STAN and terminal) with neither a card nor a class and time.
 */
function entryProbes(keys: OriginalKeys): string[] | undefined {
  const time = keys.mti === undefined ? undefined : namedTime(keys.mti, keys);
  if (keys.mti === undefined || time === undefined) return keys.pan === undefined ? undefined : [exactKey(keys.pan, undefined, undefined)];
  return [exactKey(keys.pan, keys.mti, time), exactKey(keys.pan, keys.mti, undefined)];
}

/**
 * The journal of the simulated host: the last `limit` transactions, oldest dropped first (so memory stays flat
 * over any number of transactions). Looked up by duplicate key (a map: one lookup whatever the traffic), or by STAN
 * and terminal for reversals and completions (within a STAN and terminal reused many times, by card, class and named
 * time: see `StanTerminalIndex`). It calls `onEvict` with each entry it drops.
 */
export class Journal {
  readonly #byTerminal = new StanTerminalIndex<JournalEntry>(entryKeys);
  /** The latest entry under each duplicate key (an older one under the same key was dropped before it). */
  readonly #byOriginal = new DictionaryMap<JournalEntry>();
  readonly #byRepeat = new DictionaryMap<JournalEntry>();
  readonly #order: JournalEntry[] = [];
  #head = 0;

  constructor(
    private readonly limit: number,
    private readonly onEvict: (entry: JournalEntry) => void = () => {},
  ) {}

  add(entry: JournalEntry): void {
    this.#byTerminal.add(entry);
    this.#byOriginal.set(entry.keys.original, entry);
    this.#byRepeat.set(entry.keys.repeat, entry);
    this.#order.push(entry);
    if (this.#order.length - this.#head > this.limit) this.#evict();
  }

  #evict(): void {
    const old = this.#order[this.#head]!;
    this.#head++;
    this.#byTerminal.remove(old);
    if (this.#byOriginal.get(old.keys.original) === old) this.#byOriginal.delete(old.keys.original);
    if (this.#byRepeat.get(old.keys.repeat) === old) this.#byRepeat.delete(old.keys.repeat);
    // Links to an evicted entry go with it (memory stays bounded by `limit`).
    if (old.completes !== undefined) old.completes.completedBy = undefined;
    if (old.completedBy !== undefined) old.completedBy.completes = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order.splice(0, this.#head);
      this.#head = 0;
    }
    this.onEvict(old);
  }

  /**
   * The transaction an issuer's duplicate check finds for a request or advice `mti` with these keys (see
   * `duplicateKeys`), if the journal still holds it: by the original key; for a repeat, by the repeat key; for an
   * original, also a repeat that came first (handled as its original) by the repeat key, when the original's field 7
   * is not later than the repeat's (the year turning over between them taken into account: see `sentLater`).
   */
  duplicate(mti: string, keys: DuplicateKeys): JournalEntry | undefined {
    if (isRepeat(mti)) return this.#byRepeat.get(keys.repeat);
    const found = this.#byOriginal.get(keys.original);
    if (found !== undefined) return found;
    const repeat = this.#byRepeat.get(keys.repeat);
    if (repeat === undefined || !isRepeat(repeat.mti)) return undefined;
    const sentAfter = keys.transmission !== undefined && repeat.transmission !== undefined && sentLater(keys.transmission, repeat.transmission);
    return sentAfter ? undefined : repeat;
  }

  /**
   * The latest entry with this STAN whose given keys all match (see {@link matchesOriginal}); when `keys` name a time,
   * the latest of that exact time first, else the latest one without a time (or a repeat journaled as its original):
   * a purchase without field 7 does not take the reversal of an earlier one that the reversal names by its time.
   * With `amount` (the original's amount a reversal states, see `statedOriginalAmount`), among those the amount
   * decides (a terminal that reused its STAN for a 10.00 and a 25.00 purchase: a reversal of 10.00 takes the 10.00
   * one): the latest not yet reversed of that amount, else the latest of that amount (already reversed: the repeat of
   * a reversal, which moves nothing), else the latest whatever its amount. For a `repeat` (x401, x421), the latest
   * of that amount, reversed or not: what its first reversal found (two 10.00 purchases under one STAN: the 0420 took
   * the later one, so its 0421 must not take the earlier one and give 10.00 back twice).
   */
  find(stan: string, keys: OriginalKeys, amount?: number, repeat = false): JournalEntry | undefined {
    const probes = entryProbes(keys);
    const time = keys.mti === undefined ? undefined : namedTime(keys.mti, keys);
    const latest = (also: (e: JournalEntry) => boolean) =>
      this.#byTerminal.latestExactFirst(stan, keys.terminal, probes, time, entryTime, (e) => matchesOriginal(e, keys) && also(e));
    if (amount !== undefined) {
      const found = (repeat ? undefined : latest((e) => e.amount === amount && !e.reversed)) ?? latest((e) => e.amount === amount);
      if (found !== undefined) return found;
    }
    return latest(() => true);
  }

  get size(): number {
    return this.#order.length - this.#head;
  }
}

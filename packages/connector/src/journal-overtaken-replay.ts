/**
 * The replay's side of the file journal's reversals that undid nothing (journal-overtaken.ts, whose comment says what
 * is kept and why): the records read back (journal-read.ts), those retired, then the repeats the start stores.
 */
import type { Logger } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import type { JournalEntry } from './saf-store.js';
import { OVERTAKEN_FOR_MS, OVERTAKEN_MAX, repeatOf } from './reversal-overtaken.js';
import { againId, lostPastMax, overtakenKey, sameStored } from './journal-overtaken-names.js';
import type { UndidNothing } from './journal-overtaken-names.js';

/** `rc` and `since` of a `done` record, when it has both (a reversal that undid nothing); else `undefined`. */
export function undidNothingOf(record: Record<string, unknown>): UndidNothing | undefined {
  const { rc, since } = record;
  return typeof rc === 'string' && typeof since === 'number' && Number.isFinite(since) ? { rc, since } : undefined;
}

/** The entries a retiring `done` record ends (its `"ends"`, the strings in it); none when it has no such member. */
export function endsOf(record: Record<string, unknown>): string[] {
  const { ends } = record;
  return Array.isArray(ends) ? ends.filter((v): v is string => typeof v === 'string') : [];
}

/** A repeat a start stored for a reversal that undid nothing: the new entry, the one it repeats and its code. */
export interface RepeatAgain {
  readonly entry: JournalEntry;
  readonly of: string;
  readonly rc: string;
}

/** The repeats a start stored (`repeats`), and how many more were called for past `OVERTAKEN_MAX` (`dropped`, the oldest). */
export interface RepeatsAgain {
  readonly repeats: readonly RepeatAgain[];
  readonly dropped: number;
}

/** The replay's side (journal-read.ts): the records of reversals that undid nothing, then the repeats they call for. */
export class OvertakenReplay {
  private readonly ended = new Map<string, { entry: JournalEntry; end: UndidNothing }>();
  private readonly byKey = new Map<string, string>();
  /** The entries a retiring record ended (its `"ends"`) while live: a `done` of theirs after it is no orphan. */
  private readonly endedByRetiring = new Set<string>();
  /** The latest `at` of the `done` records read. */
  private lastDone = -Infinity;

  /**
   * A `done` record at `at`: its entry `entry` (live until now) ended; `end` when it undid nothing; `retires` when its
   * original was approved in time (a kept reversal of its transaction retired). A record: `'record'`.
   * A `done` that retires also ends the entries it names (`ends`, those of `"ends"`) still live in `live`: the reversals
   * of its booking that undid nothing whose `done` had not taken effect when it was written, and whose `done` written
   * again never reached the file (a crash), so that the next start does not send them again and undo what the terminal
   * was told approved. No other entry: a reversal of that booking still owed (stored before it, not answered) stays. A
   * retiring record of a version before `"ends"` ends no entry, as that version read it.
   */
  done(at: unknown, entry: JournalEntry, end: UndidNothing | undefined, retires = false, ends: readonly string[] = [], live?: Map<string, JournalEntry>): 'record' {
    if (typeof at === 'number' && at > this.lastDone) this.lastDone = at;
    if (retires) this.retireBooking(entry.reversal, ends, live);
    const key = end === undefined ? undefined : overtakenKey(entry.reversal);
    if (end === undefined || key === undefined) return 'record';
    this.ended.set(entry.id, { entry, end });
    this.byKey.set(key, entry.id);
    return 'record';
  }

  /** An `add` record: a repeat of a reversal of a transaction whose reversal undid nothing retires it (stored after it). */
  added(reversal: IsoMessage): void {
    if (this.byKey.size > 0) this.retire(overtakenKey(reversal, true));
  }

  /** Whether entry `id` was ended by a retiring record (`ends`) while live: its own `done` after it is a record, no orphan. */
  endedEarlier(id: string): boolean {
    return this.endedByRetiring.size > 0 && this.endedByRetiring.has(id);
  }

  /**
   * The records kept of the booking of `reversal` (`sameStored`), retired: not those of an older one reusing its STAN;
   * and the entries `ends` live in `live`, ended.
   */
  private retireBooking(reversal: IsoMessage, ends: readonly string[], live: Map<string, JournalEntry> | undefined): void {
    if (live !== undefined) for (const id of ends) if (live.delete(id)) this.endedByRetiring.add(id);
    for (const [id, { entry }] of this.ended) {
      if (!sameStored(entry.reversal, reversal)) continue;
      this.ended.delete(id);
      const key = overtakenKey(entry.reversal) as string;
      if (this.byKey.get(key) === id) this.byKey.delete(key);
    }
  }

  /** The record kept of transaction `key`, if any, retired. */
  private retire(key: string | undefined): void {
    const id = key === undefined ? undefined : this.byKey.get(key);
    if (id === undefined) return;
    this.byKey.delete(key as string);
    this.ended.delete(id);
  }

  /**
   * The repeats called for (see the module comment), the newest `max` (by `since`), added to `live` (the live entries
   * read back) as new entries; the records they came from are not live, so the open's compaction drops them (those
   * past `max` too: `dropped`).
   */
  finish(live: Map<string, JournalEntry>, max = OVERTAKEN_MAX): RepeatsAgain {
    const open = [...this.ended].filter(([, { end }]) => this.lastDone - end.since <= OVERTAKEN_FOR_MS);
    const dropped = Math.max(0, open.length - max);
    if (dropped > 0) open.sort(([, a], [, b]) => a.end.since - b.end.since);
    const repeats: RepeatAgain[] = [];
    for (const [of, { entry, end }] of open.slice(dropped)) {
      const again: JournalEntry = { id: againId(of), reversal: repeatOf(entry.reversal), at: end.since, attempts: 0 };
      live.set(again.id, again);
      repeats.push({ entry: again, of, rc: end.rc });
    }
    return { repeats, dropped };
  }
}

/**
 * Logs each repeat a start stored (`ISO8583_WARN_SAF_OVERTAKEN_REPEATED`, at `warn`; no card data), and those past
 * `OVERTAKEN_MAX` not stored, once (`ISO8583_WARN_SAF_OVERTAKEN_LOST`, at `error`).
 */
export function logRepeatsAgain(logger: Logger, again: RepeatsAgain): void {
  if (again.dropped > 0) lostPastMax(logger, again.dropped, 'at this start');
  for (const { entry, of, rc } of again.repeats) {
    const m = entry.reversal;
    logger.warn(
      { code: 'ISO8583_WARN_SAF_OVERTAKEN_REPEATED', id: entry.id, of, mti: m['0'], stan: m['11'], terminal: m['41'], responseCode: rc },
      'a reversal the journal kept, answered with a code that undid nothing while its original may still be approved: stored again as a repeat at this start, and sent',
    );
  }
}

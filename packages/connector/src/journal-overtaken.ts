/**
 * The file journal's reversals answered with a code that undid nothing (`25`, original not found: the reversal
 * overtook its original at the host, which may approve the original after it). The connector remembers such a
 * reversal in memory for `OVERTAKEN_FOR_MS` (reversal-overtaken.ts), so that a late approval is reversed again. That
 * memory does not outlive the process, and a crash (kill -9, power loss) gives no stop a chance to journal anything, so
 * the journal keeps it on disk:
 * - the entry's `done` record keeps the answer's code and when the reversal was first answered so (`rc`, `since`: no
 *   card data), as noted just before its end (`FileJournal.overtakenEnd`);
 * - compactions keep such an entry's `add` and `done` records while its original may still be approved (within
 *   `OVERTAKEN_FOR_MS` of `since`), nothing longer, written before the live entries;
 * - a later `add` of a repeat of a reversal of the same transaction (`0401`, `0421`, `1421`; fields 11 and 41: the
 *   repeat a late approval calls for, the one a stop keeps with another store, or the one a start stored from it)
 *   retires it: a repeat is stored after it already (the memory forgets it then too, reversal-overtaken.ts);
 * - the next start (the journal read back), after a stop of any kind (a crash, or a clean stop: the connector adds no
 *   repeat at its stop with this journal, reversal-host.ts), stores a repeat (`0401`, `1421`, its `at` the first
 *   answer's time, so that its own `25` starts no new window) for each one not retired whose window was still open at
 *   the last `done` the file holds (the latest time the file shows the process alive), logged at `warn`
 *   (`ISO8583_WARN_SAF_OVERTAKEN_REPEATED`). The open's compaction writes the repeats and drops the records they came
 *   from in one rename: once, however many restarts.
 * A journal an older version wrote has no such records: it opens as before.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import type { JournalEntry } from './saf-store.js';
import { OVERTAKEN_FOR_MS, repeatOf } from './reversal-overtaken.js';

/** What the `done` record of a reversal that undid nothing keeps: its answer's code, and when it was first answered so. */
export interface UndidNothing {
  /** The response code (field 39) of the answer that ended it. */
  readonly rc: string;
  /** When the reversal was first answered with a code that undid nothing (ms since the epoch). */
  readonly since: number;
}

/**
 * The transaction a reversal names (its fields 11 and 41), for a message of the reversal class (`repeat`: a repeat of
 * one only, `0401`, `0421`, `1421`); else `undefined`.
 */
export function overtakenKey(message: IsoMessage, repeat = false): string | undefined {
  const mti = String(message['0'] ?? '');
  if (mti[1] !== '4' || (repeat && mti[3] !== '1')) return undefined;
  return `${String(message['11'] ?? '')}\u0000${String(message['41'] ?? '')}`;
}

/** `rc` and `since` of a `done` record, when it has both (a reversal that undid nothing); else `undefined`. */
export function undidNothingOf(record: Record<string, unknown>): UndidNothing | undefined {
  const { rc, since } = record;
  return typeof rc === 'string' && typeof since === 'number' && Number.isFinite(since) ? { rc, since } : undefined;
}

/**
 * The id of the repeat a start stores for entry `of`: the same at every read of the same file (`<id>~1`; of a repeat
 * `<id>~n`, `<id>~n+1`). Unique: the open's compaction writes it and drops the record it comes from in one rename.
 */
export function againId(of: string): string {
  const m = /^(.*)~(\d+)$/.exec(of);
  return m === null ? `${of}~1` : `${m[1] as string}~${Number(m[2]) + 1}`;
}

/** A repeat a start stored for a reversal that undid nothing: the new entry, the one it repeats and its code. */
export interface RepeatAgain {
  readonly entry: JournalEntry;
  readonly of: string;
  readonly rc: string;
}

/** The replay's side (journal-read.ts): the records of reversals that undid nothing, then the repeats they call for. */
export class OvertakenReplay {
  private readonly ended = new Map<string, { entry: JournalEntry; end: UndidNothing }>();
  private readonly byKey = new Map<string, string>();
  /** The latest `at` of the `done` records read. */
  private lastDone = -Infinity;

  /** A `done` record at `at`: its entry `entry` (live until now) ended; `end` when it undid nothing. A record: `'record'`. */
  done(at: unknown, entry: JournalEntry, end: UndidNothing | undefined): 'record' {
    if (typeof at === 'number' && at > this.lastDone) this.lastDone = at;
    const key = end === undefined ? undefined : overtakenKey(entry.reversal);
    if (end === undefined || key === undefined) return 'record';
    this.ended.set(entry.id, { entry, end });
    this.byKey.set(key, entry.id);
    return 'record';
  }

  /** An `add` record: a repeat of a reversal of a transaction whose reversal undid nothing retires it (stored after it). */
  added(reversal: IsoMessage): void {
    if (this.byKey.size === 0) return;
    const key = overtakenKey(reversal, true);
    const id = key === undefined ? undefined : this.byKey.get(key);
    if (id === undefined) return;
    this.byKey.delete(key as string);
    this.ended.delete(id);
  }

  /**
   * The repeats called for (see the module comment), added to `live` (the live entries read back) as new entries; the
   * records they came from are not live, so the open's compaction drops them.
   */
  finish(live: Map<string, JournalEntry>): RepeatAgain[] {
    const out: RepeatAgain[] = [];
    for (const [of, { entry, end }] of this.ended) {
      if (this.lastDone - end.since > OVERTAKEN_FOR_MS) continue;
      const again: JournalEntry = { id: againId(of), reversal: repeatOf(entry.reversal), at: end.since, attempts: 0 };
      live.set(again.id, again);
      out.push({ entry: again, of, rc: end.rc });
    }
    return out;
  }
}

/** Logs each repeat a start stored (`ISO8583_WARN_SAF_OVERTAKEN_REPEATED`, at `warn`; no card data). */
export function logRepeatsAgain(logger: Logger, again: readonly RepeatAgain[]): void {
  for (const { entry, of, rc } of again) {
    const m = entry.reversal;
    logger.warn(
      { code: 'ISO8583_WARN_SAF_OVERTAKEN_REPEATED', id: entry.id, of, mti: m['0'], stan: m['11'], terminal: m['41'], responseCode: rc },
      'a reversal the journal kept, answered with a code that undid nothing while its original may still be approved: stored again as a repeat at this start, and sent',
    );
  }
}

/** A kept record: the entry's `add` and `done` lines, when it was first answered so, and its transaction. */
interface Kept {
  readonly text: string;
  readonly since: number;
  readonly key: string;
}

/** The running journal's side (journal.ts): the ends noted, then kept for the compactions while their window is open. */
export class OvertakenKept {
  /** Ends noted, by entry id, not durable yet: their `done` line once written. */
  private readonly noted = new Map<string, { end: UndidNothing; line: string | undefined }>();
  private readonly kept = new Map<string, Kept>();

  /** Records kept. */
  get size(): number {
    return this.kept.size;
  }

  /** The end of entry `id` about to be journaled undid nothing (`end`): its `done` record says so. */
  note(id: string, end: UndidNothing): void {
    this.noted.set(id, { end, line: undefined });
  }

  /** What the `done` record of entry `id` keeps (and its line, once made: `wrote`), or `undefined`. */
  end(id: string): UndidNothing | undefined {
    return this.noted.size === 0 ? undefined : this.noted.get(id)?.end;
  }

  /** The `done` line of entry `id` (one `end` returned its record for) is being written. */
  wrote(id: string, line: string): void {
    const n = this.noted.get(id);
    if (n !== undefined) n.line = line;
  }

  /**
   * A batch takes effect (before its changes apply to `live`): each `done` of a noted end (change `undefined`) is kept,
   * with its entry's `add` line as it is now.
   */
  committed(ids: readonly string[], changes: readonly unknown[], live: { get(id: string): string | undefined }): void {
    if (this.noted.size === 0) return;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      const n = this.noted.get(id);
      if (n === undefined || n.line === undefined || changes[i] !== undefined) continue;
      this.noted.delete(id);
      const add = live.get(id);
      const key = add === undefined ? undefined : overtakenKey((JSON.parse(add) as { reversal: IsoMessage }).reversal);
      if (add !== undefined && key !== undefined) this.kept.set(id, { text: `${add}\n${n.line}\n`, since: n.end.since, key });
    }
  }

  /** An entry `reversal` was stored (durable): when it repeats a reversal, a kept record of its transaction is retired. */
  retire(reversal: IsoMessage): void {
    const key = overtakenKey(reversal, true);
    if (key === undefined) return;
    for (const [id, k] of this.kept) if (k.key === key) this.kept.delete(id);
  }

  /** The text a compaction writes of the records kept (before the live entries); those past their window dropped. */
  text(now: number): string {
    let out = '';
    for (const [id, k] of this.kept) {
      if (now - k.since > OVERTAKEN_FOR_MS) this.kept.delete(id);
      else out += k.text;
    }
    return out;
  }
}

/**
 * The file journal's reversals answered with a code that undid nothing (`25`, original not found: the reversal
 * overtook its original at the host, which may approve the original after it). The connector remembers such a
 * reversal in memory for `OVERTAKEN_FOR_MS` (reversal-overtaken.ts), so that a late approval is reversed again. That
 * memory does not outlive the process, and a crash (kill -9, power loss) gives no stop a chance to journal anything, so
 * the journal keeps it on disk:
 * - the entry's `done` record keeps the answer's code and when the reversal was first answered so (`rc`, `since`: no
 *   card data), as noted just before its end (`FileJournal.overtakenEnd`);
 * - compactions keep such an entry's `add` and `done` records while its original may still be approved (within
 *   `OVERTAKEN_FOR_MS` of `since`), nothing longer, written before the live entries; at most `OVERTAKEN_MAX` of them,
 *   as the memory keeps (the oldest dropped, each named and counted, `ISO8583_WARN_SAF_OVERTAKEN_DROPPED` with `source` `journal`, and logged once at `error`, `ISO8583_WARN_SAF_OVERTAKEN_LOST`, cause
 *   `OVERTAKEN_MAX`): a host answering everything `25` for long does not fill the file, nor the next start's queue;
 * - a later `add` of a repeat of a reversal of the same transaction (`0401`, `0421`, `1421`; fields 11 and 41: the
 *   repeat a late approval calls for, the one a stop keeps with another store, or the one a start stored from it)
 *   retires it: a repeat is stored after it already (the memory forgets it then too, reversal-overtaken.ts);
 * - so does the `done` record of a later request of the same transaction approved in time (`"retires":true`: a
 *   repeat, `0201`, or the same request resent; `FileJournal.retireOvertaken`): the host booked the transaction once
 *   and the terminal was told approved, so neither a late approval nor the next start reverses it. The same
 *   transaction by the one rule the memory and PostgreSQL follow (transactions-in-flight.ts `sameBooking`: STAN and
 *   terminal, amount, card and acquirer; the journal's reversals carry their fields as the wire does): an older
 *   transaction reusing the STAN keeps its record. It retires such a record whatever the order the two `done` records
 *   take effect in: kept already, or noted (its `done` in the same batch, in one in flight before it, or failed and
 *   written again later, then without its code: the file never holds it after the retiring record; or never written:
 *   the retiring record ends its entry, named in it (`"ends"`), at the next start and for a compaction, and its own
 *   `done` written later is not written at all; no other entry: a reversal of that booking still owed is sent). That
 *   record is durable before the caller sees the approval: a crash before it leaves the terminal without the approval,
 *   and the repeat the next start stores undoes what it would have been told; one whose write failed retires nothing.
 *   An end of the booking noted after the retiring line was made (not named in it) is ended by its own `done` only:
 *   the approval is seen once that `done` is durable too (one that failed is waited for when written again, as the
 *   SAF queue does; the approval fails only when the journal closes or stops first: the file then owes that reversal,
 *   and the next start sends it), so no start sends a reversal of a booking the terminal was told approved, and none
 *   is owed of one it was told failed;
 * - the next start (the journal read back), after a stop of any kind (a crash, or a clean stop: the connector adds no
 *   repeat at its stop with this journal, reversal-host.ts), stores a repeat (`0401`, `1421`, its `at` the first
 *   answer's time, so that its own `25` starts no new window) for each one not retired whose window was still open at
 *   the last `done` the file holds (the latest time the file shows the process alive), the newest `OVERTAKEN_MAX` of
 *   them (a file an older version wrote may hold more: the rest logged once at `error`), logged at `warn`
 *   (`ISO8583_WARN_SAF_OVERTAKEN_REPEATED`). The open's compaction writes the repeats and drops the records they came
 *   from in one rename: once, however many restarts.
 * A journal an older version wrote has no such records: it opens as before. The running journal's side is here
 * (`OvertakenKept`), the replay's in journal-overtaken-replay.ts, what both name them by in journal-overtaken-names.ts.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import { doneLine } from './journal-record.js';
import type { JournalEntry, JournalOutcome } from './saf-store.js';
import { OVERTAKEN_FOR_MS, OVERTAKEN_MAX, repeatOf } from './reversal-overtaken.js';
import { againId, lostPastMax, overtakenKey, sameStored } from './journal-overtaken-names.js';
import { CountedRecords } from './journal-overtaken-count.js';
import type { OvertakenDrops } from './reversal-overtaken-drops.js';
import type { KeptEnd, UndidNothing } from './journal-overtaken-names.js';

export type { KeptEnd, UndidNothing } from './journal-overtaken-names.js';

/** A kept record: the entry's `add` and `done` lines (and their bytes), what a stop counts, its transaction and reversal. */
interface Kept {
  readonly text: string;
  readonly bytes: number;
  readonly end: KeptEnd;
  readonly key: string;
  readonly reversal: IsoMessage;
}

/** An end noted: what its `done` record keeps, its line once made, and its entry's reversal (its `add` line read once). */
interface Noted {
  readonly end: UndidNothing;
  line: string | undefined;
  readonly reversal: IsoMessage | undefined;
}

/**
 * A retiring `done` (its entry's original approved in time): its booking's reversal; once appended, when it settles
 * (`written`); the ids of the ends of its booking noted when its line was made (`ends`); and once it took effect, the
 * writes of the ends of its booking noted after its line was made (`late`: not in `ends`, their own `done` must be
 * durable before its caller sees the approval).
 */
interface Retiring {
  readonly reversal: IsoMessage;
  written?: Promise<void>;
  ends?: readonly string[];
  late?: Promise<void>[];
}

/** The reversal of an `add` line, or `undefined`. */
function reversalOf(add: string | undefined): IsoMessage | undefined {
  return add === undefined ? undefined : (JSON.parse(add) as { reversal: IsoMessage }).reversal;
}

/** The running journal's side (journal.ts): the ends noted, then kept for the compactions while their window is open. */
export class OvertakenKept {
  /** Ends noted, by entry id, not durable yet (kept once their `done` takes effect). */
  private readonly noted = new CountedRecords<Noted>();
  /**
   * Entries whose original was approved in time, by id, with their reversal: their `done` retires the records of its
   * booking, kept or noted; and once that `done` is appended, when it settles (`written`). Let go when it fails.
   */
  private readonly retiringIds = new Map<string, Retiring>();
  /**
   * Entries a retiring record ended when it took effect (its `"ends"`, live then): the file ends them at that record, so
   * their own `done`, written again later, is not written (after a compaction dropped both, it would be a `done` of an
   * entry the file does not hold: `endedByRetirement`).
   */
  private readonly endedIds = new Set<string>();
  /**
   * Ends of a retired booking noted after the retiring record's line was made (not in its `"ends"`), by id: their own
   * `done` (without the code) settles the retiring `done`'s wait (`late`), so that the approval is seen only once no
   * start can send them again.
   */
  private readonly owedEnds = new Map<string, { resolve(): void; reject(err: unknown): void }>();
  /** Kept, oldest first (at most `max`). */
  private readonly kept = new CountedRecords<Kept>();
  /** Whether a record past `max` was dropped (logged once). */
  private dropped = false;
  /**
   * Told of each record dropped past `max` while its window is open (the connector's count and line,
   * reversal-overtaken-drops.ts): set by `ReversalJournal.overtakenDropsTo` at the connector's start; none before.
   */
  drops: Pick<OvertakenDrops, 'dropped'> | undefined;

  /**
   * @param logger Where a record dropped past `max` is logged (once).
   * @param max Most records kept: `OVERTAKEN_MAX`, as the memory (reversal-overtaken.ts).
   */
  constructor(
    private readonly logger: Logger,
    private readonly max = OVERTAKEN_MAX,
  ) {}

  /** Records kept. */
  get size(): number {
    return this.kept.size;
  }

  /**
   * @internal For the tests: the records kept and noted by transaction key (STAN and terminal as stored), as counted
   * (`CountedRecords`), which `retiring` reads instead of a scan.
   */
  keyCounts(): { kept: Map<string, number>; noted: Map<string, number> } {
    return { kept: this.kept.keyCounts(), noted: this.noted.keyCounts() };
  }

  /** The records kept whose window is open at `now` (those past it dropped): what the next start repeats. */
  ends(now: number): KeptEnd[] {
    this.expire(now);
    return [...this.kept.values()].map((k) => k.end);
  }

  /** The bytes a compaction at `now` writes of the records kept (those past their window dropped). */
  bytes(now: number): number {
    this.expire(now);
    let out = 0;
    for (const k of this.kept.values()) out += k.bytes;
    return out;
  }

  /** The end of entry `id` (its `add` line `add`) about to be journaled undid nothing (`end`): its `done` record says so. */
  note(id: string, end: UndidNothing, add: string | undefined): void {
    this.noted.set(id, { end, line: undefined, reversal: reversalOf(add) });
  }

  /**
   * The `done` line of entry `id` (`outcome`, at `at`): with the code and time of its end when noted (the line kept
   * with it, for `committed`), and `"retires":true` when it retires a record (`retiring`), with the ids of the ends of
   * its booking noted now (`"ends"`): the entries it ends, should their own `done` never take effect (the replay ends
   * those only, journal-overtaken-replay.ts; `committed` the same).
   */
  doneLine(id: string, outcome: JournalOutcome, at: number): string {
    const n = this.noted.size === 0 ? undefined : this.noted.get(id);
    const r = this.retiringIds.size === 0 ? undefined : this.retiringIds.get(id);
    if (n === undefined && r === undefined) return doneLine(id, outcome, at);
    if (r !== undefined) r.ends = this.notedIds(r.reversal);
    const line = doneLine(id, outcome, at, n?.end, r !== undefined, r?.ends);
    if (n !== undefined) n.line = line;
    return line;
  }

  /**
   * The original of entry `entry` was approved in time: when a record of its booking is kept, or noted (its `done` not
   * taken effect yet: in flight, or failed and to be written again), the entry's `done` retires it (`retires`, then
   * `committed`), whichever takes effect first.
   */
  retiring(entry: JournalEntry): void {
    // Nearly every approval: no record at all, told before the entry's reversal is read (parsed back from its JSON);
    // else none of its transaction (STAN and terminal), told by a count, not a scan.
    if (this.kept.size === 0 && this.noted.size === 0) return;
    const reversal = entry.reversal;
    if (this.kept.countOf(reversal) === 0 && this.noted.countOf(reversal) === 0) return;
    if (this.keptOf(reversal) || this.notedOf(reversal)) this.retiringIds.set(entry.id, { reversal });
  }

  /**
   * `done`, the append of the `done` of entry `id` that retires (`retires`): when it fails (a failed write's record is
   * never read back), the retirement is let go, so that a later `done` of the entry (its reversal's) retires nothing.
   */
  releasing(id: string, done: Promise<void>): Promise<void> {
    const settled = done.catch((err: unknown) => {
      this.retiringIds.delete(id);
      throw err;
    });
    const r = this.retiringIds.get(id);
    if (r === undefined) return settled;
    r.written = settled.then(() => undefined, () => undefined);
    // Once it took effect: the `done` of each end of its booking noted after its line was made, durable too (or never,
    // the journal closed or stopped first: its approval then cannot be seen, and the next start sends that reversal).
    return settled.then(async () => {
      if (r.late !== undefined) await Promise.all(r.late);
    });
  }

  /**
   * Whether entry `id` was ended by a retiring record that took effect (its `"ends"`): its own `done` is not written
   * (the file ends it already; after a compaction it would be a `done` of an entry the file does not hold). Forgets it.
   */
  endedByRetirement(id: string): boolean {
    return this.endedIds.size > 0 && this.endedIds.delete(id);
  }

  /**
   * The `done` of entry `id` was appended (`done`): when a retiring `done` waits for it (`late`), it settles that wait
   * once durable. When it fails while the journal goes on (`goesOn`), the wait goes on for its `done` written again
   * (saf-ends.ts tries it every `retryInterval`): the retiring record is durable, so failing the approval now would tell
   * the terminal it failed while that retry, durable later, leaves the file owing nothing. Else (closed, stopped) the
   * approval fails, and the file owes that reversal (its `done` never durable): the next start sends it.
   */
  endWritten(id: string, done: Promise<void>, goesOn: () => boolean): void {
    const owed = this.owedEnds.size === 0 ? undefined : this.owedEnds.get(id);
    if (owed === undefined) return;
    this.owedEnds.delete(id);
    done.then(owed.resolve, (err: unknown) => {
      if (goesOn() && !this.owedEnds.has(id)) this.owedEnds.set(id, owed);
      else owed.reject(err);
    });
  }

  /**
   * The journal closes (its writes in flight settled): the ends still owed (their `done` never durable) fail the
   * approvals waiting for them with `err`, as the file owes their reversals (`endWritten`).
   */
  owedGiveUp(err: unknown): void {
    for (const owed of this.owedEnds.values()) owed.reject(err);
    this.owedEnds.clear();
  }

  /** A wait (of a retiring `done`) for the `done` of entry `id`, an end of its booking its record does not name. */
  private owedEnd(id: string): Promise<void> {
    const waited = new Promise<void>((resolve, reject) => this.owedEnds.set(id, { resolve, reject }));
    // Handled by the retiring `done`'s caller; marked so here, as it may settle before that caller waits.
    waited.catch(() => undefined);
    return waited;
  }

  /**
   * Resolves once the `done` that retires the booking of the noted end of entry `id`, appended and not settled yet,
   * settled; `undefined` when there is none. The `done` of entry `id` (written again after a failure) waits for it: its
   * line then says the code only when that retirement failed, so that the file never holds a code of a retired record
   * after the record that retires it (the next start would repeat it).
   */
  retiredFirst(id: string): Promise<void> | undefined {
    const n = this.retiringIds.size === 0 ? undefined : this.noted.get(id);
    if (n === undefined) return undefined;
    for (const r of this.retiringIds.values()) if (r.written !== undefined && this.notedIs(n, r.reversal)) return r.written;
    return undefined;
  }

  /** Whether the noted end `n` is a reversal of the booking of `reversal`. */
  private notedIs(n: Noted, reversal: IsoMessage): boolean {
    return n.reversal !== undefined && sameStored(n.reversal, reversal);
  }

  /** Whether a record of the booking of `reversal` is kept (stops at the first). */
  private keptOf(reversal: IsoMessage): boolean {
    if (this.kept.countOf(reversal) === 0) return false;
    for (const k of this.kept.values()) if (sameStored(k.reversal, reversal)) return true;
    return false;
  }

  /** The ids of the ends of the booking of `reversal` noted. */
  private notedIds(reversal: IsoMessage): string[] {
    const ids: string[] = [];
    for (const [id, n] of this.noted) if (this.notedIs(n, reversal)) ids.push(id);
    return ids;
  }

  /** Whether an end of the booking of `reversal` is noted (stops at the first). */
  private notedOf(reversal: IsoMessage): boolean {
    if (this.noted.countOf(reversal) === 0) return false;
    for (const n of this.noted.values()) if (this.notedIs(n, reversal)) return true;
    return false;
  }

  /** Whether the `done` record of entry `id` retires a kept record (`retiring`): `"retires":true`. */
  retires(id: string): boolean {
    return this.retiringIds.size > 0 && this.retiringIds.has(id);
  }

  /**
   * A batch takes effect (before its changes apply to `live`): its `done` records (change `undefined`) in order, as the
   * file holds them: one of a noted end is kept, with its entry's `add` line as it is now; one that retires (`retiring`)
   * retires the records of its booking kept by then, and those noted (a `done` of theirs written after it keeps
   * nothing, and says nothing of the code: `doneLine`, `retiredFirst`). A noted one the record names (`"ends"`) leaves
   * `live` then: a compaction before its own `done` is written does not keep its `add` without the record that retires
   * it (the file as written ends it at that record: journal-overtaken-replay.ts); no other entry does.
   */
  committed(ids: readonly string[], changes: readonly unknown[], live: { get(id: string): string | undefined; delete(id: string): boolean }): void {
    if (this.noted.size === 0 && this.retiringIds.size === 0) return;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] as string;
      if (changes[i] !== undefined) continue;
      const n = this.noted.get(id);
      if (n !== undefined && n.line !== undefined) this.keep(id, n, live.get(id));
      const retired = this.retiringIds.get(id);
      if (retired === undefined) continue;
      this.retiringIds.delete(id);
      this.retireBooking(retired, live);
    }
    // An entry whose own `done` took effect in this batch too is written already.
    if (this.endedIds.size > 0) for (let i = 0; i < ids.length; i++) if (changes[i] === undefined) this.endedIds.delete(ids[i] as string);
  }

  /** The `done` of the noted end `n` of entry `id` (its `add` line `add`) took effect: the record is kept. */
  private keep(id: string, n: Noted, add: string | undefined): void {
    this.noted.delete(id);
    const reversal = n.reversal;
    const key = reversal === undefined ? undefined : overtakenKey(reversal);
    if (add === undefined || reversal === undefined || key === undefined) return;
    const text = `${add}\n${n.line as string}\n`;
    const repeat = repeatOf(reversal);
    const end = { id: againId(id), mti: String(repeat['0']), stan: String(repeat['11'] ?? ''), terminal: String(repeat['41'] ?? ''), responseCode: n.end.rc, since: n.end.since };
    this.kept.set(id, { text, bytes: Buffer.byteLength(text), end, key, reversal });
    if (this.kept.size > this.max) this.dropOldest();
  }

  /**
   * The records of the booking of the retiring `done` `r` (`sameStored`), kept or noted, retired; the entries its record
   * ends (`ends`, noted when its line was made) out of `live`, as the replay reads that record. An end of the booking
   * noted after its line was made is not named in it: the file ends that entry only at its own `done`, which the
   * retiring `done`'s caller waits for (`late`; written again after a failure, `endWritten`): a crash before it leaves
   * the terminal without the approval, and the next start sends that reversal (owed then), never one whose booking the
   * terminal was told approved.
   */
  private retireBooking(r: Retiring, live: { delete(id: string): boolean }): void {
    const ends = r.ends ?? [];
    for (const [id, k] of this.kept) if (sameStored(k.reversal, r.reversal)) this.kept.delete(id);
    for (const [id, n] of this.noted) {
      if (!this.notedIs(n, r.reversal)) continue;
      this.noted.delete(id);
      if (!ends.includes(id)) (r.late ??= []).push(this.owedEnd(id));
    }
    for (const id of ends) if (live.delete(id)) this.endedIds.add(id);
  }

  /**
   * Drops the oldest record kept (past `max`): told to `drops` while its window is open (named and counted, `source`
   * `journal`: the memory's cap may have kept it, and a late approval while running is still reversed, but the next
   * start does not repeat it), and logged once at `error` (`lostPastMax`).
   */
  private dropOldest(): void {
    const id = this.kept.keys().next().value as string;
    const k = this.kept.get(id);
    this.kept.delete(id);
    if (k !== undefined && this.drops !== undefined && Date.now() - k.end.since <= OVERTAKEN_FOR_MS) this.drops.dropped(k.reversal, k.end.responseCode, k.end.since, 'OVERTAKEN_MAX', 'journal');
    if (this.dropped) return;
    this.dropped = true;
    lostPastMax(this.logger, 1, 'while running (more may follow: each is named, ISO8583_WARN_SAF_OVERTAKEN_DROPPED with source journal, and counted, safOvertakenDropped)');
  }

  /** Drops the records whose window closed at `now`. */
  private expire(now: number): void {
    for (const [id, k] of this.kept) if (now - k.end.since > OVERTAKEN_FOR_MS) this.kept.delete(id);
  }

  /** An entry `reversal` was stored (durable): when it repeats a reversal, a kept record of its transaction is retired. */
  retire(reversal: IsoMessage): void {
    const key = overtakenKey(reversal, true);
    if (key !== undefined) this.retireKey(key);
  }

  /** The records kept of transaction `key` retired. */
  private retireKey(key: string): void {
    for (const [id, k] of this.kept) if (k.key === key) this.kept.delete(id);
  }

  /** The text a compaction writes of the records kept (before the live entries); those past their window dropped. */
  text(now: number): string {
    this.expire(now);
    let out = '';
    for (const k of this.kept.values()) out += k.text;
    return out;
  }
}

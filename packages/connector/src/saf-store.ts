/**
 * The store of the store-and-forward (SAF) queue: what any engine (the embedded file journal, a database) keeps for
 * the connector, and the promise every engine makes: each method resolves only once its record is durable, so that
 * nothing depends on a record a crash could lose. An engine stores each entry as a document (`JournalEntry`, JSON).
 */
import type { IsoMessage } from '@iso8583/codec';
import type { ApprovalBooking } from './transactions-in-flight.js';
import type { OvertakenDrops } from './reversal-overtaken-drops.js';

/**
 * What a store-and-forward (SAF) entry carries: `reversal` (the connector's automatic reversal of a request whose
 * outcome is unknown) or `advice` (an advice or reversal a caller sent with `saf: true`: 0120, 0220, 0420, ...).
 */
export type SafEntryKind = 'reversal' | 'advice';

/** An entry of the SAF queue: a reversal or an advice waiting to be sent or answered. */
export interface JournalEntry {
  /** The entry's id (unique within the journal). */
  id: string;
  /**
   * The message to forward (its first attempt's MTI; repeats go as xxx1): a reversal (0400 / 0420 with field 90,
   * with only the fields of `reversal.fields`) or, when `kind` is `advice`, the advice as the caller sent it.
   */
  reversal: IsoMessage;
  /** When the entry was written (ms since the epoch); `saf.initialDelay` and `saf.expireAfter` count from it. */
  at: number;
  /** Attempts recorded so far (each written before it was sent); a start resumes with a repeat (0401) when > 0. */
  attempts?: number;
  /** What the entry is. Default (absent): `reversal`. */
  kind?: SafEntryKind;
}

/** How a journal entry ended. */
export type JournalOutcome =
  /** The original request got its response, or never left: no reversal needed. */
  | 'not-needed'
  /** The reversal was answered by the host with a response code that ends it. */
  | 'reversed'
  /** The advice was answered by the host with a response code that ends it. */
  | 'delivered'
  /** The entry was given up after `maxAttempts`. */
  | 'abandoned'
  /** The entry was given up `saf.expireAfter` ms after it was written. */
  | 'expired';

/** Why a journal stopped for good while open (every append fails until it is opened again), and what a later start finds. */
export interface JournalHalt {
  /** Why it stopped (`its file ... was removed`, `after a write it could not repair`). */
  reason: string;
  /**
   * True when the file a later start reads no longer holds this journal's records (removed with its folder, renamed,
   * replaced): an entry still open in it is not sent again. False: the records stay on disk, and a later start sends the
   * entries not marked done again.
   */
  recordsLost: boolean;
}

/**
 * A journal that refused a record, as its log lines name it (`journal`): `failing` (not stopped: a write failed, a full
 * disk, and a later one may succeed), `stopped` (for good, its records kept on disk: a later start reads them) or
 * `gone` (for good, its records lost: a later start does not know of them).
 */
export type JournalState = 'failing' | 'stopped' | 'gone';

/** The {@link JournalState} of a journal whose `halted()` says `halt`. */
export function journalState(halt: JournalHalt | undefined): JournalState {
  return halt === undefined ? 'failing' : halt.recordsLost ? 'gone' : 'stopped';
}

/**
 * Where the SAF queue (reversals and advices) is kept across restarts. Every method resolves once its record is
 * durable. (Named for its first use; {@link SafStore} is the same interface.)
 */
export interface ReversalJournal {
  /** Opens the journal and returns the entries not marked done (oldest first). */
  open(): Promise<JournalEntry[]>;
  /**
   * Adds an entry; resolves once it is durable (fsynced). An id the store holds already (the caller adds the same entry
   * again after an add that failed: the connector does so for the reversal of a late approval) is never stored twice:
   * held by this node (an earlier add that failed kept its record), it is taken as this add, nothing written again; not
   * this node's to send (a shared store: another node claimed it and sends it, or it ended), nothing is written and
   * this resolves `'exists'`. A store that keeps no such promise resolves `undefined` (void).
   */
  add(entry: JournalEntry): Promise<void | 'exists'>;
  /**
   * Optional, for an engine that keeps entries as JSON text (the file journal): `add` of the reversal entry `{ id,
   * reversal, at }` whose message is given as its JSON text (`reversalJson`: the bytes `JSON.stringify(reversal)`
   * gives), so that a request's path makes no message object for it. Resolves once durable. Without it, the connector
   * calls `add`.
   */
  addJson?(id: string, reversalJson: string, at: number): Promise<void>;
  /**
   * Optional, for a journal that several nodes share (PostgreSQL): `add` of the reversal entry of a request about to
   * be sent, refused with `ISO8583_ERR_CONNECTOR_DUPLICATE_KEY` (nothing stored) while another entry of the same
   * transaction (the reversal's fields 11 and 41) is pending on any node: its original in flight there, or its
   * reversal under way. Without it, the connector calls `add` (one node sees its own reversals under way). A shared
   * journal also fences such an entry from its add until its original's answer is due (no other node sends it while
   * its original may still be written, or processed by the host: its reversal would get there first): `answerWithin`
   * is the original's answer timeout (the request's own `timeout`, else `requestTimeout`). `add` is for entries whose
   * request is already written or never will be, and fences none.
   */
  addOriginal?(entry: JournalEntry, answerWithin?: number): Promise<void>;
  /**
   * Records that attempt `attempt` (1-based) of an entry is about to be sent; resolves once durable. `flight`: the
   * milliseconds from this call by which the attempt is written and its answer's wait over (the SAF queue passes twice
   * its timeout). A journal that several nodes share (PostgreSQL) lets no node take the entry over before (so an attempt
   * recorded just before this node lost its hold is not sent by another node while it may be in flight), and resolves
   * with the `performance.now()` time it ends, which the SAF queue then keeps to (half of what is left for the write,
   * half for the answer). Without a number back, the queue keeps to its own timeout.
   */
  attempt(id: string, attempt: number, flight?: number): Promise<void | number>;
  /**
   * Optional, for a journal whose attempts fence their entry from other nodes (PostgreSQL): takes back attempt
   * `attempt` of an entry, recorded but never sent (no connection could be had: no byte of it written), so that it is
   * not counted and its fence is lifted (should this node go now, another node takes the entry at once). Always
   * resolves (a failure is the journal's to log); the entry's next `attempt` waits for it. Without it, the attempt
   * stays recorded (the next start sends a repeat, which is harmless).
   */
  uncount?(id: string, attempt: number): Promise<void>;
  /** Marks an entry done; resolves once durable. */
  done(id: string, outcome: JournalOutcome): Promise<void>;
  /**
   * Optional, for a journal whose `done` can fail after it committed (PostgreSQL: the reply lost with its connection):
   * makes entry `id` pending again after its `done(id, 'not-needed')` failed, since the caller reverses the original
   * instead; resolves `true` once that is durable, `false` when `deadline` (a `performance.now()` time) or the close
   * came first. Never rejects. Without it, a failed `done` is taken as not committed (the entry still pending).
   */
  reopen?(id: string, deadline: number): Promise<boolean>;
  /**
   * Optional, with `reopen`: how many entries a caller reverses whose reopen is not stored yet (their `done` may have
   * committed unseen: the store may hold them done, so that neither a later start nor another node sends them). Tried
   * again until stored or closed; those left at close are NOT in the store. Without it: 0.
   */
  notStored?(): number;
  /**
   * Optional, for an engine that can stop for good while open (the file journal: its folder removed, a write it could
   * not repair): why, once stopped (a failed append is then not worth trying again in this process); `undefined` while
   * an append that failed may succeed later (a full disk freed, a database back). Without it: always `undefined`. The
   * SAF queue counts its waiting entries as held in memory only (`safNotDurable`) exactly while it says `recordsLost`.
   */
  halted?(): JournalHalt | undefined;
  /** Flushes, closes and releases the journal. */
  close(): Promise<void>;
  /**
   * Optional, for an engine that waits on a server (PostgreSQL): `close` bounded by a short grace (the connector's
   * `destroy`), after which what is still in flight is cut (it fails with `ISO8583_ERR_CONNECTOR_STORE`, its fate
   * unknown) and the connections closed; no entry is lost or doubled (one not marked done stays pending, and is sent
   * again by the next start). Without it, `destroy` calls `close`.
   */
  destroy?(): Promise<void>;
  /**
   * Optional, for a journal that several nodes share (PostgreSQL): takes over the entries whose holder is gone (its
   * lease ended) and returns them, to be sent like those `open` returned. Called every `claimInterval` ms while open.
   */
  claim?(): Promise<JournalEntry[]>;
  /** Milliseconds between calls of `claim` (with `claim`). Default: `claim` is not called. */
  readonly claimInterval?: number;
  /**
   * Milliseconds between calls of `claim` when the journal can tell a holder gone sooner than its lease ends (the
   * PostgreSQL owner lock): called this often instead of every `claimInterval`. Default `claimInterval`.
   */
  readonly takeOverInterval?: number;
  /**
   * Milliseconds an entry stays with a node that stops renewing it (with `claim`): a released entry's transaction
   * stays refused at least this long plus `claimInterval`, until it can be claimed again. Default: none (one node).
   */
  readonly lease?: number;
  /**
   * Optional, for a journal whose entries another node may claim as soon as this node's hold on them breaks (the
   * PostgreSQL owner lock): the `performance.now()` time since which that hold has been unbroken, `undefined` while it
   * is broken. An original whose entry was added before that time is not written (another node may be reversing it).
   * Without it, only the lease bounds how long after its add an original may be written.
   */
  heldSince?(): number | undefined;
  /**
   * Optional, for a journal that several nodes share (PostgreSQL): a reversal attempt of the pending entry `id` was
   * answered `responseCode`, a code that undid nothing (`25`: it overtook its original at the host), and the entry is
   * about to end: kept with the entry (for `purgeAfter`), so that a late approval of the original reaching another
   * node reverses it (`lateApproval`). Resolves with the kept fields of a late approval another node left there first
   * (this node reverses it) and the id its repeat is stored as (the same on every node and try: the store holds it
   * once), else `undefined`. Called again after a failure (whose write may have been kept) it does the same: the
   * caller tries again until it answers. Without it, only this node remembers it. `timeIn90` (default false; set for
   * a dialect with `freshTransmissionTime`): another row of the transaction is of the same booking by the original's
   * field 7 in each reversal's field 90, as `lateApproval`'s `booking.timeIn90`, never by their own field 7.
   */
  undidNothing?(id: string, responseCode: string, timeIn90?: boolean): Promise<{ approval: IsoMessage; againId: string } | undefined>;
  /**
   * Optional, with `undidNothing`: a late approval (its kept fields: MTI, STAN, terminal, response code, amounts)
   * whose transaction's reversal this node does not remember: resolves with that reversal, its code and the id the
   * repeat is stored as (the same on every node and try: the store holds one, whichever node stores it) when one undid
   * nothing (the caller reverses the approval); else `undefined`, the approval kept with the transaction's pending
   * entry if any (its `undidNothing` then returns it). `within`: how many ms back from now a reversal's answer counts
   * (default `OVERTAKEN_FOR_MS`; a try made after the approval came counts from its arrival). Called again after a
   * failure it does the same: the caller tries again until it answers. `booking`: what tells the approval's booking
   * (transactions-in-flight.ts `ApprovalBooking`: card mark, acquirer, field 7, amount; no whole card number): only a
   * reversal of that booking (`approvesBooking`'s rule) is taken or given the approval; without it, any of the
   * transaction's STAN and terminal. With `booking.timeIn90` (default false; set for a dialect with
   * `freshTransmissionTime`, a new field 7 on every attempt), `booking.time` is the original's field 7, to be compared
   * with the one each reversal's field 90 carries (1987 original data elements: MTI, STAN, then field 7, when it names
   * the reversal's STAN), never with the reversal's own field 7 (which would match no row): a journal that does not
   * read field 90 treats the time as unknown (compares none).
   */
  lateApproval?(approval: IsoMessage, within?: number, booking?: ApprovalBooking): Promise<{ reversal: IsoMessage; responseCode: string; againId: string } | undefined>;
  /**
   * Optional, with `lateApproval` (which leaves every approval it looks up on the row): the repeats late approvals call
   * for (the reversal, its code, the approval's kept fields, the repeat's id) found within `OVERTAKEN_FOR_MS` whose
   * store is not durable (the node that found them stopped first): the caller stores each under its id (once, whoever
   * stores it). Read at the start and every minute.
   */
  repeatsOwed?(): Promise<Array<{ reversal: IsoMessage; responseCode: string; approval: IsoMessage; againId: string }>>;
  /**
   * Optional, with `repeatsOwed`: the cap on repeats per original (reversal-again.ts `REPEATS_AGAIN_MAX`) refused the
   * repeat `id` (an id `undidNothing`, `lateApproval` or `repeatsOwed` gave): recorded, so that no node of the store
   * stores it after, nor this one after a restart (none of the three returns it again). Run again, it does the same.
   */
  capRepeat?(id: string): Promise<void>;
  /**
   * Optional, for a journal that keeps the reversals that undid nothing under a cap of its own (the file journal,
   * journal-overtaken.ts): each record it drops past that cap while its window is open is told to `drops` (the
   * connector's count and line, reversal-overtaken-drops.ts, `source` `journal`). Told once, when the connector is made.
   */
  overtakenDropsTo?(drops: Pick<OvertakenDrops, 'dropped'>): void;
  /**
   * Optional, for a journal that keeps the reversals that undid nothing (the file journal: journal-overtaken.ts; a
   * shared one, on their rows: PostgreSQL, overtaken-sql.ts): the original of the pending entry `entry` (a request of a
   * transaction whose reversal undid nothing, sent again: a repeat, or the same request resent) was approved in time,
   * and its `done` follows at once. A reversal of its transaction the journal keeps is retired by that `done` (durable
   * before the caller sees the approval; a `done` that fails fails the same), so that neither the next start nor the
   * original's late approval (on any node) reverses it: the host booked the transaction once, and the terminal was told
   * approved. A shared journal (`undidNothing`) is told of every approval in time, as the reversal may be another
   * node's. Without it, nothing is kept to retire.
   */
  retireOvertaken?(entry: JournalEntry): void;
  /**
   * Optional, for a journal that several nodes share (PostgreSQL), with `sameStore`, `guardAcross` and
   * `originalUpstream`: the upstream keys its entries are added and claimed under (its upstream's, then former ones).
   */
  readonly claims?: readonly string[];
  /**
   * Optional, with `originalUpstream`: true when `other` keeps its entries in the same store as this one (PostgreSQL:
   * the same `url`, compared as given, or the same `pool`). An upstream group asks the store where an original went only
   * when every member's journal that has one shares it; else it asks none (as a group without a store).
   */
  sameStore?(other: ReversalJournal): boolean;
  /**
   * Optional, with `originalUpstream`: widens the guard of `addOriginal` to the upstream keys `keys` (an upstream
   * group's others): a transaction pending under any of them, on any node, refuses its request here too.
   */
  guardAcross?(keys: readonly string[]): void;
  /**
   * Optional, for a journal that several nodes share (PostgreSQL): the upstream key the most recent original of the
   * transaction `asked` went to by the store's records (any node's), `undefined` when none is recorded; rejects with
   * `ISO8583_ERR_CONNECTOR_STORE` when the store cannot answer. An upstream group asks it for a reversal's, an advice's
   * or a repeat's original that it does not remember.
   */
  originalUpstream?(asked: OriginalAsked): Promise<string | undefined>;
}

/** What {@link ReversalJournal.originalUpstream} looks for: a transaction's terminal, STAN, and (when known) acquirer and card. */
export interface OriginalAsked {
  /** The upstream keys to look under (every upstream of the group, each with its former keys). */
  readonly keys: readonly string[];
  /** Field 41, as each upstream's dialect puts it on the wire (padded: match-key.ts `wireValue`). */
  readonly terminals: readonly string[];
  /** Field 11 of the original, as each upstream's dialect puts it on the wire. */
  readonly stans: readonly string[];
  /** Field 32, when the message has it. */
  readonly acquirer: string | undefined;
  /** Field 2, when the message has it (a parameter of the statement only: never logged, never returned). */
  readonly card: string | undefined;
}

/** The SAF queue's store: the same interface as {@link ReversalJournal}. */
export type SafStore = ReversalJournal;

/** An entry of the SAF queue: the same as {@link JournalEntry}. */
export type SafEntry = JournalEntry;

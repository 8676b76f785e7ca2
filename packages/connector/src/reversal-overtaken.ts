/**
 * Reversals that overtook their original at the host. A reversal answered with a code that undid nothing (`25`,
 * original not found; any code outside the approval class and the reversal's own "accepted", `400` in 1993) while its
 * original was still on its way: the host then approves the original after it, and that approval reaches the connector
 * as a late response (its request had timed out). Money stays taken while the records say reversed. So such reversals
 * are remembered a while (at most {@link OVERTAKEN_MAX}, for {@link OVERTAKEN_FOR_MS}), and so are late approvals (as many, on their own: the
 * two may come in one read, the approval handled first, or on two connections): a late approval of a booking whose
 * reversal undid nothing queues the reversal again, as a repeat (`0401`, `0421`, `1421`: the host treats it as the same
 * reversal), with the amount the approval moved when it says so and may (`ReversalPlan.approve`). The two are noted by
 * STAN and terminal (a few notes under one: transactions reusing the STAN), and matched by booking (transactions-in-flight.ts `approvesBooking`: card, acquirer, field 7 and
 * amount agreeing too): a new transaction reusing the STAN at the terminal neither takes the old one's noted approval
 * nor is repeated by it. Of a remembered approval only its MTI, STAN, terminal, field 7, acquirer, fields 37 and 38, response code and
 * amount fields are kept, with what tells its booking (`ApprovalBooking`: its card's first six and last four digits and length, never
 * the whole number).
 * A later request of the transaction approved in time (the terminal's repeat, `0201`, or the same request resent)
 * retires such a reversal (`approvedInTime`): the host booked the transaction once and the terminal holds that
 * approval, so the original's late approval (the same booking) is not reversed, nor is a repeat stored at a stop or start.
 * Memory does not outlive the process: the file journal keeps each such end on disk, and its next start stores a repeat
 * of it, after a crash too (journal-overtaken.ts); with any other store, a stop journals the reversals still remembered
 * again as repeats for the next start (`takeAll`, reversal-follow.ts `keepAtStop`).
 */
import { isAcceptedFor, isApprovalClass } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import { mtiText, transactionKey } from './match-key.js';
import { isReversible } from './reversal-message.js';
import { approvalBooking, approvesBooking, sameBooking, sameReversal } from './transactions-in-flight.js';
import type { ApprovalBooking } from './transactions-in-flight.js';
import type { DropCause, OvertakenDrops } from './reversal-overtaken-drops.js';

/**
 * Most notes of each kind remembered at once, the kind's oldest forgotten first: overtaken reversals, and late approvals
 * apart (these are common, a reversal answered `00` first leaving its original's late approval noted: they never push a
 * remembered reversal out).
 */
export const OVERTAKEN_MAX = 1000;
/** Milliseconds an overtaken reversal is remembered: a late approval after that is logged as before. Ten minutes. */
export const OVERTAKEN_FOR_MS = 600_000;
/** Milliseconds between two reads of the repeats a shared journal says are owed (`ReversalJournal.repeatsOwed`): one minute. */
export const OWED_EVERY_MS = 60_000;
/**
 * Milliseconds a shared journal's row of a reversal that undid nothing (and of the repeat a late approval called for,
 * `<id>.again`) counts, from its end: for the repeats owed (pg/overtaken-sql.ts `REPEATS_OWED`) and for the purge
 * (pg/saf-sql.ts `PURGE`, whatever `purgeAfter`). A late approval's look-up, tried again for `OVERTAKEN_FOR_MS` from its
 * arrival, looks back `OVERTAKEN_FOR_MS` from that arrival: it may leave an approval on a row ended up to twice
 * `OVERTAKEN_FOR_MS` before, and a node may die right after; the next read of the repeats owed (every `OWED_EVERY_MS`,
 * one missed read allowed) must still find the row. The repeat's row outlives its parent's window the same way (it
 * ends later), so that read never stores a second repeat. Twenty-two minutes.
 */
export const OWED_FOR_MS = 2 * OVERTAKEN_FOR_MS + 2 * OWED_EVERY_MS;

/**
 * Whether `answer` approves a reversible request (an 0210, 0110, 1210 ...) by `dialect`'s approval class: what
 * `OvertakenReversals.again` looks at, and what unsolicited.ts offers the reversals whether or not it is late by its
 * connection's late keys.
 */
export function approvesReversible(dialect: Dialect, answer: IsoMessage): boolean {
  const mti = mtiText(answer['0']);
  return mti[2] === '1' && isReversible(mti.slice(0, 2) + '00') && isApprovalClass(dialect, answer['39'], mti);
}

/** The reversal a late approval calls for, and why (for the log line). */
export interface ReversalAgain {
  /** The reversal to store: the one answered, as a repeat. */
  readonly reversal: IsoMessage;
  /** The code the earlier reversal was answered with. */
  readonly responseCode: string | undefined;
  /** The late approval (its amount is the one to undo, when it says so). */
  readonly approval: IsoMessage;
}

/** One note of the two maps: a message and when it was noted; of an approval, what tells its booking too. */
interface Noted {
  readonly message: IsoMessage;
  readonly rc: string | undefined;
  readonly at: number;
  readonly booking?: ApprovalBooking;
  /** Of an approval: what tells the host's copy of it (`copyMark`), remembered once it is taken for a reversal again. */
  readonly copy?: string;
}

/** Most notes kept under one STAN and terminal (transactions reusing it within `keepFor`), the oldest forgotten first. */
const PER_KEY = 8;

/** What one of the two maps holds: the notes under one STAN and terminal, the oldest first. */
type Notes = Noted[];

/**
 * The reversals answered with a code that undid nothing, and the late approvals, by their transaction's key, for a
 * while: whichever of the two comes second (they may come in one read, or on two connections) calls for the reversal.
 * Under one key a few notes (`PER_KEY`: transactions reusing the STAN at the terminal), each taken only by its booking.
 */
export class OvertakenReversals {
  private readonly reversals = new Map<string, Notes>();
  private readonly approvals = new Map<string, Notes>();
  /**
   * The late approvals taken for a reversal again (`again`), by {@link copyMark} (key, fields 7, 39, 38, 37), with
   * when: the host's copy of one (it may resend it after each `25`) pairs with nothing, neither noted nor taken by the
   * `25` of the repeat it caused. At most `max`, each `keepFor`, the oldest forgotten first.
   */
  private readonly takenApprovals = new Map<string, number>();
  /** Notes held in each map, each bounded by `max` on its own (that map's oldest key's oldest note forgotten first). */
  private readonly counts = new Map<Map<string, Notes>, number>([
    [this.reversals, 0],
    [this.approvals, 0],
  ]);

  /**
   * @param dialect The connector's dialect (approval codes, the transaction key's padding).
   * @param amountFields The fields of a late approval the reversal's amount is read from (`ReversalPlan.approvalFields`):
   *   only these are kept of a remembered approval, with its MTI, STAN, terminal, field 7, acquirer, fields 37 and 38 and response code
   *   (never its PAN, track echo or EMV data).
   * @param max Most notes at once of each kind, reversals and late approvals each (default {@link OVERTAKEN_MAX}).
   * @param keepFor Milliseconds a note counts (default {@link OVERTAKEN_FOR_MS}).
   * @param drops Told of each reversal forgotten while its window was open (past `max`, or `PER_KEY` under one key):
   *   counted and logged (reversal-overtaken-drops.ts). Default: none (a late approval of it is then logged as any).
   */
  constructor(
    private readonly dialect: Dialect,
    private readonly amountFields: readonly string[] = [],
    private readonly max = OVERTAKEN_MAX,
    private readonly keepFor = OVERTAKEN_FOR_MS,
    private readonly drops?: Pick<OvertakenDrops, 'dropped'>,
  ) {}

  /**
   * A reversal attempt `sent` (its MTI that attempt's) was answered with `response`, which ends it (the SAF queue's
   * `followUp`, before that end is journaled): when the code undid nothing and a late approval of its booking came
   * already (`approvesBooking`; another booking's noted approval is left), that reversal again; else remembered (when
   * it undid nothing, unless `remember` is false: a journal several nodes share keeps it, reversal-follow.ts) or its
   * note forgotten (undone; another reversal's under the same STAN and terminal is left). `since`: when the reversal
   * was first answered with a code that undid nothing (`firstUndidNothing`), from which it is remembered `keepFor`;
   * default now.
   */
  answered(sent: IsoMessage, response: IsoMessage, remember = true, since = Date.now()): ReversalAgain | undefined {
    const mti = mtiText(sent['0']);
    if (mti[1] !== '4') return undefined;
    const key = transactionKey(this.dialect, sent['11'], sent['41']);
    const rc = typeof response['39'] === 'string' ? response['39'] : undefined;
    // Only an approval of this reversal's booking: another's (a transaction that reused the STAN) stays noted.
    const approval = this.taken(this.approvals, key, (n) => this.approves(n.booking, sent));
    this.drop(this.reversals, key, (n) => sameReversal(this.dialect, n.message, sent));
    if (this.undid(rc, mti)) return undefined;
    if (approval !== undefined) {
      if (approval.copy !== undefined) this.tookApproval(approval.copy, Date.now());
      return { reversal: repeatOf(sent), responseCode: rc, approval: approval.message };
    }
    if (remember) this.note(this.reversals, key, { message: sent, rc, at: Math.min(since, Date.now()) });
    return undefined;
  }

  /**
   * A late response `answer` (its request timed out): when it approves a reversible request (an 0210, 0110, 1210 ...)
   * whose booking's reversal (`approvesBooking`) was answered lately with a code that undid nothing, that reversal as a
   * repeat (taken: asked once; another booking's, remembered under the same STAN and terminal, is left); else
   * `undefined`, and an approval is remembered (its reversal's answer may come after it). `at`: when the approval
   * arrived (epoch ms; default now), by which it is judged and remembered: one that waited for a request of its
   * transaction in flight (reversal-follow.ts `lateAnswer`) is judged by its arrival, not by that request's answer.
   */
  again(answer: IsoMessage, at = Date.now()): ReversalAgain | undefined {
    if (!this.isLateApproval(answer) || this.takenBefore(answer, at)) return undefined;
    const key = transactionKey(this.dialect, answer['11'], answer['41']);
    const booking = approvalBooking(this.dialect, answer);
    // Only the reversal of this approval's booking: another's (a transaction that reused the STAN) stays remembered.
    const seen = this.taken(this.reversals, key, (n) => this.approves(booking, n.message), at);
    if (seen !== undefined) {
      this.tookApproval(copyMark(key, answer), at);
      return { reversal: repeatOf(seen.message), responseCode: seen.rc, approval: answer };
    }
    this.note(this.approvals, key, { message: this.kept(answer), rc: undefined, at: Math.min(at, Date.now()), booking, copy: copyMark(key, answer) });
    return undefined;
  }

  /** Remembers the late approval marked `mark` (`copyMark`) taken for a reversal again at `at`: its copies pair with nothing. */
  private tookApproval(mark: string, at: number): void {
    this.takenApprovals.delete(mark);
    this.takenApprovals.set(mark, at);
    if (this.takenApprovals.size > this.max) this.takenApprovals.delete(this.takenApprovals.keys().next().value as string);
  }

  /** Whether `answer` is the host's copy of a late approval taken for a reversal again within `keepFor` of `at`. */
  private takenBefore(answer: IsoMessage, at = Date.now()): boolean {
    if (this.takenApprovals.size === 0) return false;
    const taken = this.takenApprovals.get(copyMark(transactionKey(this.dialect, answer['11'], answer['41']), answer));
    return taken !== undefined && at - taken <= this.keepFor;
  }

  /** The transaction key (STAN and terminal, `transactionKey`) of `message`. */
  keyOf(message: IsoMessage): string {
    return transactionKey(this.dialect, message['11'], message['41']);
  }

  /**
   * Whether `answer` approves a reversible request whose booking's reversal is remembered as undoing nothing (within
   * `keepFor`, `approvesBooking`): what `again` would reverse again. No side effect (an approval is not remembered).
   */
  remembers(answer: IsoMessage): boolean {
    if (this.reversals.size === 0 || !this.isLateApproval(answer) || this.takenBefore(answer)) return false;
    const booking = approvalBooking(this.dialect, answer);
    const now = Date.now();
    return this.reversals.get(transactionKey(this.dialect, answer['11'], answer['41']))?.some((n) => now - n.at <= this.keepFor && this.approves(booking, n.message)) ?? false;
  }

  /** Whether the reversal attempt `sent` answered `response` undid nothing (`answered` remembers it). */
  undidNothing(sent: IsoMessage, response: IsoMessage): boolean {
    const mti = mtiText(sent['0']);
    return mti[1] === '4' && !this.undid(typeof response['39'] === 'string' ? response['39'] : undefined, mti);
  }

  /** Whether `answer` approves a reversible request (an 0210, 0110, 1210 ...): what `again` looks at. */
  isLateApproval(answer: IsoMessage): boolean {
    return approvesReversible(this.dialect, answer);
  }

  /**
   * The reversals remembered (answered with a code that undid nothing) whose original's late approval may still come
   * (noted within `keepFor`), with their codes and when they were first answered so (`at`, epoch ms: the repeat stored
   * keeps it, so that its window never starts again), taken: what a stop stores again (reversal-follow.ts `keepAtStop`),
   * or counts as kept by the journal (reversal-host.ts `keptAtStop`).
   */
  takeAll(): { readonly reversal: IsoMessage; readonly responseCode: string | undefined; readonly at: number }[] {
    const now = Date.now();
    const out = [...this.reversals.values()].flat().filter((n) => now - n.at <= this.keepFor).map((n) => ({ reversal: n.message, responseCode: n.rc, at: n.at }));
    this.reversals.clear();
    this.counts.set(this.reversals, 0);
    return out;
  }

  /**
   * Forgets what is remembered of the reversal `message` (`sameReversal`) and the late approvals of its booking
   * (`approvesBooking`); another transaction's under the same STAN and terminal is left. Returns whether a reversal was.
   */
  forget(message: IsoMessage): boolean {
    return this.forgetWhere(message, (n) => sameReversal(this.dialect, n.message, message));
  }

  /**
   * A request of entry `entry` (armed: a reversible request of a transaction, journaled) was answered in time with
   * `response`: when that approves it, a reversal of its transaction remembered as undoing nothing is forgotten (the
   * host booked the transaction once, and the terminal is told approved: the original's late approval is that same
   * booking, not to be reversed). Only when the request is that same transaction: the same amount (field 4) and, by
   * transactions-in-flight.ts's one rule (`sameBooking`), the same STAN and terminal with acquirer and card
   * agreeing; a new transaction reusing the STAN at that terminal leaves the note, and the old one's late approval is
   * still reversed. Returns whether one was. Cheap when nothing is remembered (the request's path).
   */
  approvedInTime(entry: { readonly reversal: IsoMessage }, response: IsoMessage): boolean {
    if (this.reversals.size === 0 || !this.isLateApproval(response)) return false;
    return this.forgetWhere(entry.reversal, (n) => sameBooking(this.dialect, n.message, entry.reversal));
  }

  /**
   * What tells the booking of the late approval `answer` (`approvalBooking`: no whole card number) to a shared journal's
   * look-up (`ReversalJournal.lateApproval`, whose rows carry each reversal's fields): with a fresh field 7 on every
   * attempt, its field 7 is compared with the original's in each reversal's field 90 (`timeIn90`), as
   * transactions-in-flight.ts `approvesBooking` compares it.
   */
  bookingOf(answer: IsoMessage): ApprovalBooking {
    const booking = approvalBooking(this.dialect, answer);
    return this.timeIn90 ? { ...booking, timeIn90: true } : booking;
  }

  /**
   * Whether the original's field 7 is the one each reversal's field 90 carries (a dialect with `freshTransmissionTime`:
   * a new field 7 on every attempt), for a shared journal's rows (`bookingOf`, `ReversalJournal.undidNothing`).
   */
  get timeIn90(): boolean {
    return this.dialect.reversal?.freshTransmissionTime === true;
  }

  /**
   * What is remembered of a late approval: the fields that identify it (with its fields 37 and 38, which tell a host's
   * copy from another approval of the booking: a shared journal's chain of repeats, pg/overtaken-sql.ts `LATE_APPROVAL`)
   * and those its amount is read from (no card data).
   */
  kept(answer: IsoMessage): IsoMessage {
    const out: IsoMessage = {};
    for (const field of ['0', '7', '11', '32', '37', '38', '39', '41', ...this.amountFields]) {
      const value = answer[field];
      if (value !== undefined) out[field] = value;
    }
    return out;
  }

  /** Whether the late approval marked `booking` is of the booking `reversal` undoes (transactions-in-flight.ts `approvesBooking`). */
  private approves(booking: ApprovalBooking | undefined, reversal: IsoMessage): boolean {
    return booking !== undefined && approvesBooking(this.dialect, booking, reversal);
  }

  /** Whether a reversal answered `rc` undid its transaction: an approval, or the reversal's own "accepted" (`400` in 1993). */
  private undid(rc: string | undefined, mti: string): boolean {
    return isApprovalClass(this.dialect, rc, mti) || isAcceptedFor(this.dialect, rc, mti);
  }

  /** Forgets the reversals under `message`'s key that `which` names, and the approvals of their booking; whether any was. */
  private forgetWhere(message: IsoMessage, which: (n: Noted) => boolean): boolean {
    const key = transactionKey(this.dialect, message['11'], message['41']);
    const gone = this.drop(this.reversals, key, which);
    this.drop(this.approvals, key, (n) => this.approves(n.booking, message));
    return gone > 0;
  }

  /** Drops the notes under `key` that `which` names; returns how many. */
  private drop(map: Map<string, Notes>, key: string, which: (n: Noted) => boolean): number {
    const list = map.get(key);
    if (list === undefined) return 0;
    const left = list.filter((n) => !which(n));
    this.counted(map, left.length - list.length);
    if (left.length === 0) map.delete(key);
    else map.set(key, left);
    return list.length - left.length;
  }

  /**
   * The newest note under `key` that `which` names, taken out (the others left); `undefined` when there is none or it
   * is past its time at `at` (epoch ms).
   */
  private taken(map: Map<string, Notes>, key: string, which: (n: Noted) => boolean, at = Date.now()): Noted | undefined {
    const list = map.get(key);
    if (list === undefined) return undefined;
    let i = list.length - 1;
    while (i >= 0 && !which(list[i] as Noted)) i--;
    if (i < 0) return undefined;
    const [seen] = list.splice(i, 1) as [Noted];
    this.counted(map, -1);
    if (list.length === 0) map.delete(key);
    return at - seen.at > this.keepFor ? undefined : seen;
  }

  /**
   * Notes `noted` under `key` as the newest; past `PER_KEY` under it, or `max` in `map`, the oldest is forgotten. The
   * bookkeeping (the list, the map, the count) is whole before any reversal forgotten is told to `drops`: a telling
   * that throws leaves the memory sound (every later note and take works).
   */
  private note(map: Map<string, Notes>, key: string, noted: Noted): void {
    const list = map.get(key) ?? [];
    map.delete(key);
    map.set(key, list);
    list.push(noted);
    let held = this.counted(map, 1);
    const forgotten: [Noted, DropCause][] = [];
    if (list.length > PER_KEY) {
      forgotten.push([list.shift() as Noted, 'PER_KEY']);
      held = this.counted(map, -1);
    }
    while (held > this.max) {
      // The oldest note of the key noted longest ago in this map (the other kind's notes are bounded on their own).
      const [oldest, notes] = map.entries().next().value as [string, Notes];
      forgotten.push([notes.shift() as Noted, 'OVERTAKEN_MAX']);
      if (notes.length === 0) map.delete(oldest);
      held = this.counted(map, -1);
    }
    for (const [n, cause] of forgotten) this.forgot(map, n, cause);
  }

  /** A note `n` of `map` pushed out (`cause`): a reversal whose window was still open is told to `drops`. */
  private forgot(map: Map<string, Notes>, n: Noted, cause: DropCause): void {
    if (map === this.reversals && this.drops !== undefined && Date.now() - n.at <= this.keepFor) this.drops.dropped(n.message, n.rc, n.at, cause);
  }

  /** Adds `by` to the count of `map`'s notes; returns that count. */
  private counted(map: Map<string, Notes>, by: number): number {
    const held = (this.counts.get(map) ?? 0) + by;
    this.counts.set(map, held);
    return held;
  }
}

/**
 * When the reversal of `entry` (a SAF entry whose attempt was just answered with a code that undid nothing) was first
 * answered so, for `answered`'s `since`: a stored repeat (`0401`, `1421`) keeps in its `at` the time of the first such
 * answer when a stop stored it again (`takeAll`), or its store time (no later than any answer to it), so that a repeat
 * read back at each start of a process that restarts often is remembered no longer than `keepFor` after the first
 * answer, not stored again at every stop. Any other entry: now.
 */
export function firstUndidNothing(entry: { readonly reversal: IsoMessage; readonly at: number } | undefined): number {
  const now = Date.now();
  return entry !== undefined && mtiText(entry.reversal['0'])[3] === '1' && entry.at > 0 ? Math.min(entry.at, now) : now;
}

/** What tells the host's copy of a late approval under `key`: its fields 7, 39, 38 and 37 (no card data). */
function copyMark(key: string, answer: IsoMessage): string {
  return [key, ...['7', '39', '38', '37'].map((f) => JSON.stringify(answer[f] ?? null))].join('|');
}

/** A reversal as its repeat (`0400` -> `0401`, `1420` -> `1421`). */
export function repeatOf(reversal: IsoMessage): IsoMessage {
  return { ...reversal, '0': mtiText(reversal['0']).slice(0, 3) + '1' };
}

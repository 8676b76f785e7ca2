/**
 * Reversals that overtook their original at the host. A reversal answered with a code that undid nothing (`25`,
 * original not found; any code outside the approval class and the reversal's own "accepted", `400` in 1993) while its
 * original was still on its way: the host then approves the original after it, and that approval reaches the connector
 * as a late response (its request had timed out). Money stays taken while the records say reversed. So such reversals
 * are remembered a while (at most {@link OVERTAKEN_MAX}, for {@link OVERTAKEN_FOR_MS}), and so are late approvals (the
 * two may come in one read, the approval handled first, or on two connections): a late approval of a booking whose
 * reversal undid nothing queues the reversal again, as a repeat (`0401`, `0421`, `1421`: the host treats it as the same
 * reversal), with the amount the approval moved when it says so and may (`ReversalPlan.approve`). The two are noted by
 * STAN and terminal, and matched by booking (transactions-in-flight.ts `approvesBooking`: card, acquirer, field 7 and
 * amount agreeing too): a new transaction reusing the STAN at the terminal neither takes the old one's noted approval
 * nor is repeated by it. Of a remembered approval only its MTI, STAN, terminal, response code and amount fields are
 * kept, with what tells its booking (`ApprovalBooking`: its card's first six and last four digits and length, never
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
import { approvalBooking, approvesBooking, sameBooking } from './transactions-in-flight.js';
import type { ApprovalBooking } from './transactions-in-flight.js';

/** Most overtaken reversals remembered at once (the oldest forgotten first). */
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

/** What one of the two maps holds: a message and when it was noted; of an approval, what tells its booking too. */
interface Noted {
  readonly message: IsoMessage;
  readonly rc: string | undefined;
  readonly at: number;
  readonly booking?: ApprovalBooking;
}

/**
 * The reversals answered with a code that undid nothing, and the late approvals, by their transaction's key, for a
 * while: whichever of the two comes second (they may come in one read, or on two connections) calls for the reversal.
 */
export class OvertakenReversals {
  private readonly reversals = new Map<string, Noted>();
  private readonly approvals = new Map<string, Noted>();

  /**
   * @param dialect The connector's dialect (approval codes, the transaction key's padding).
   * @param amountFields The fields of a late approval the reversal's amount is read from (`ReversalPlan.approvalFields`):
   *   only these are kept of a remembered approval, with its MTI, STAN, terminal and response code (never its PAN, track
   *   echo or EMV data).
   */
  constructor(
    private readonly dialect: Dialect,
    private readonly amountFields: readonly string[] = [],
    private readonly max = OVERTAKEN_MAX,
    private readonly keepFor = OVERTAKEN_FOR_MS,
  ) {}

  /**
   * A reversal attempt `sent` (its MTI that attempt's) was answered with `response`, which ends it (the SAF queue's
   * `followUp`, before that end is journaled): when the code undid nothing and a late approval of its booking came
   * already (`approvesBooking`; another booking's noted approval is left), that reversal again; else remembered (when it undid nothing, unless `remember` is false: a journal several
   * nodes share keeps it, reversal-follow.ts) or its transaction forgotten (undone). `since`: when the reversal was
   * first answered with a code that undid nothing (`firstUndidNothing`), from which it is remembered `keepFor`; default
   * now.
   */
  answered(sent: IsoMessage, response: IsoMessage, remember = true, since = Date.now()): ReversalAgain | undefined {
    const mti = mtiText(sent['0']);
    if (mti[1] !== '4') return undefined;
    const key = transactionKey(this.dialect, sent['11'], sent['41']);
    const rc = typeof response['39'] === 'string' ? response['39'] : undefined;
    // Only an approval of this reversal's booking: another's (a transaction that reused the STAN) stays noted.
    const noted = this.approvals.get(key);
    const approval = noted !== undefined && this.approves(noted.booking, sent) ? this.taken(this.approvals, key) : undefined;
    this.reversals.delete(key);
    if (this.undid(rc, mti)) return undefined;
    if (approval !== undefined) return { reversal: repeatOf(sent), responseCode: rc, approval: approval.message };
    if (remember) this.note(this.reversals, key, { message: sent, rc, at: Math.min(since, Date.now()) });
    return undefined;
  }

  /**
   * A late response `answer` (its request timed out): when it approves a reversible request (an 0210, 0110, 1210 ...)
   * whose booking's reversal (`approvesBooking`) was answered lately with a code that undid nothing, that reversal as a
   * repeat (taken: asked once; another booking's, remembered under the same STAN and terminal, is left); else `undefined`, and an approval is remembered (its reversal's answer may come after it). `at`: when
   * the approval arrived (epoch ms; default now), by which it is judged and remembered: one that waited for a request of
   * its transaction in flight (reversal-follow.ts `lateAnswer`) is judged by its arrival, not by that request's answer.
   */
  again(answer: IsoMessage, at = Date.now()): ReversalAgain | undefined {
    if (!this.isLateApproval(answer)) return undefined;
    const key = transactionKey(this.dialect, answer['11'], answer['41']);
    const booking = approvalBooking(this.dialect, answer);
    // Only the reversal of this approval's booking: another's (a transaction that reused the STAN) stays remembered.
    const remembered = this.reversals.get(key);
    const seen = remembered !== undefined && this.approves(booking, remembered.message) ? this.taken(this.reversals, key, at) : undefined;
    if (seen !== undefined) return { reversal: repeatOf(seen.message), responseCode: seen.rc, approval: answer };
    this.note(this.approvals, key, { message: this.kept(answer), rc: undefined, at: Math.min(at, Date.now()), booking });
    return undefined;
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
    if (this.reversals.size === 0 || !this.isLateApproval(answer)) return false;
    const seen = this.reversals.get(transactionKey(this.dialect, answer['11'], answer['41']));
    return seen !== undefined && Date.now() - seen.at <= this.keepFor && this.approves(approvalBooking(this.dialect, answer), seen.message);
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
    const out = [...this.reversals.values()].filter((n) => now - n.at <= this.keepFor).map((n) => ({ reversal: n.message, responseCode: n.rc, at: n.at }));
    this.reversals.clear();
    return out;
  }

  /** Forgets what is remembered of the transaction `message` names (its reversal, its late approval); returns whether a reversal was. */
  forget(message: IsoMessage): boolean {
    const key = transactionKey(this.dialect, message['11'], message['41']);
    this.approvals.delete(key);
    return this.reversals.delete(key);
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
    const noted = this.reversals.get(transactionKey(this.dialect, entry.reversal['11'], entry.reversal['41']));
    if (noted !== undefined && !sameBooking(this.dialect, noted.message, entry.reversal)) return false;
    return this.forget(entry.reversal);
  }

  /** What is remembered of a late approval: the fields that identify it and those its amount is read from (no card data). */
  kept(answer: IsoMessage): IsoMessage {
    const out: IsoMessage = {};
    for (const field of ['0', '11', '39', '41', ...this.amountFields]) {
      const value = answer[field];
      if (value !== undefined) out[field] = value;
    }
    return out;
  }

  /**
   * Whether the late approval marked `booking` is of the booking `reversal` undoes (transactions-in-flight.ts
   * `approvesBooking`, an approved amount below the reversal's allowed when the plan reads one from field 4).
   */
  private approves(booking: ApprovalBooking | undefined, reversal: IsoMessage): boolean {
    return booking !== undefined && approvesBooking(this.dialect, booking, reversal, this.amountFields.includes('4'));
  }

  /** Whether a reversal answered `rc` undid its transaction: an approval, or the reversal's own "accepted" (`400` in 1993). */
  private undid(rc: string | undefined, mti: string): boolean {
    return isApprovalClass(this.dialect, rc, mti) || isAcceptedFor(this.dialect, rc, mti);
  }

  /** `map`'s entry under `key`, taken out; `undefined` when there is none or it is past its time at `at` (epoch ms). */
  private taken(map: Map<string, Noted>, key: string, at = Date.now()): Noted | undefined {
    if (map.size === 0) return undefined;
    const seen = map.get(key);
    if (seen === undefined) return undefined;
    map.delete(key);
    return at - seen.at > this.keepFor ? undefined : seen;
  }

  /** Notes `noted` under `key` as the newest; past `max` the oldest is forgotten. */
  private note(map: Map<string, Noted>, key: string, noted: Noted): void {
    map.delete(key);
    map.set(key, noted);
    if (map.size > this.max) map.delete(map.keys().next().value as string);
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

/** A reversal as its repeat (`0400` -> `0401`, `1420` -> `1421`). */
export function repeatOf(reversal: IsoMessage): IsoMessage {
  return { ...reversal, '0': mtiText(reversal['0']).slice(0, 3) + '1' };
}

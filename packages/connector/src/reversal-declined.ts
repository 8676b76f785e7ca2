/**
 * An approval that comes after its request was answered in time with something else: the host answered a purchase
 * `05` (the caller declined the sale), then approved it (`00`). That approval may have moved money the merchant never
 * took, but it cannot be tied to that request for certain (a resend of the same STAN and field 7 may have been
 * approved, timed out or reversed meanwhile; a dialect with a fresh field 7 on every attempt and no field 90 cannot tell
 * two transmissions apart): it is reported, never reversed here. The declines of armed requests (reversible,
 * journaled) are remembered a while ({@link OVERTAKEN_FOR_MS}, at most {@link OVERTAKEN_MAX}, the oldest forgotten
 * first, the expired pruned on every call), keeping only the fields the matching reads (`approvesBooking`: the MTI,
 * fields 4, 7, 11, 32, 41, 56, 90) and the transaction's identity (`transactionIdentity`: of the card, field 2, only
 * its mark, first six and last four digits and length, as a hold keeps it; never the whole number); an
 * unsolicited approval that fits one (the same STAN and terminal, acquirer and card agreeing, the same field 7 when
 * both carry one, of its answer class) is logged at `warn` (`ISO8583_WARN_SAF_APPROVAL_AFTER_DECLINE`, `reversed:
 * false`, never card data) and counted (`approvalsAfterDecline`), for the operator to check with the host.
 */
import { isApprovalClass } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import { mtiText } from './match-key.js';
import { OVERTAKEN_FOR_MS, OVERTAKEN_MAX } from './reversal-overtaken.js';
import { approvalBooking, approvesBooking, sameTransaction, transactionIdentity } from './transactions-in-flight.js';
import type { ApprovalBooking, HeldTransaction } from './transactions-in-flight.js';

/** The code of the log line of an approval after an in-time decline. */
const CODE = 'ISO8583_WARN_SAF_APPROVAL_AFTER_DECLINE';

/**
 * The fields of a declined request's reversal the matching reads (approvesBooking, answersRequest); no other is kept.
 * Not field 2: the card is compared by its mark in the note's `identity`.
 */
const KEPT = ['0', '4', '7', '11', '32', '41', '56', '90'] as const;

/**
 * One decline remembered: its transaction's identity (the key, acquirer and card mark: `transactionIdentity`), the
 * matched fields of its request's reversal (no card number), its response code, when it came.
 */
interface Declined {
  readonly identity: HeldTransaction;
  readonly reversal: IsoMessage;
  readonly rc: string | undefined;
  readonly at: number;
}

/** The in-time declines of armed requests, oldest first, and the approvals that come after them. */
export class DeclinedInTime {
  private notes: Declined[] = [];

  /**
   * @param dialect The connector's dialect (approval codes, the transaction key).
   * @param host Its logger, and what counts an approval after a decline.
   * @param max Most declines remembered (default {@link OVERTAKEN_MAX}), the oldest forgotten first.
   * @param keepFor Milliseconds a decline is remembered (default {@link OVERTAKEN_FOR_MS}).
   */
  constructor(
    private readonly dialect: Dialect,
    private readonly host: { readonly logger: Logger; approvalAfterDecline?(): void },
    private readonly max = OVERTAKEN_MAX,
    private readonly keepFor = OVERTAKEN_FOR_MS,
  ) {}

  /**
   * The request of the armed entry `entry` was answered in time with `response`: remembered when that moved no money
   * (any code but an approval of the dialect's: a decline, a system error); its `reversal` is read only then.
   */
  answered(entry: { readonly reversal: IsoMessage }, response: IsoMessage, now = Date.now()): void {
    this.prune(now);
    const rc = typeof response['39'] === 'string' ? response['39'] : undefined;
    if (rc === undefined || isApprovalClass(this.dialect, rc, mtiText(response['0']))) return;
    const reversal: IsoMessage = {};
    for (const f of KEPT) if (entry.reversal[f] !== undefined) reversal[f] = entry.reversal[f];
    this.notes.push({ identity: transactionIdentity(this.dialect, entry.reversal), reversal, rc, at: now });
    if (this.notes.length > this.max) this.notes.splice(0, this.notes.length - this.max);
  }

  /**
   * `answer`, an unsolicited approval of a reversible request (no request waits for it, no timed-out key names it),
   * which came at `at` (epoch ms): when it fits a decline remembered, logged at warn with the code and counted; never
   * reversed (see the file's note). Returns whether it fitted one.
   */
  approval(answer: IsoMessage, at = Date.now()): boolean {
    this.prune(at);
    if (this.notes.length === 0) return false;
    const booking = approvalBooking(this.dialect, answer);
    const fits = this.notes.filter((n) => this.approves(n, booking) && answersRequest(n.reversal, answer));
    if (fits.length === 0) return false;
    this.host.approvalAfterDecline?.();
    this.host.logger.warn(
      { code: CODE, mti: answer['0'], stan: answer['11'], terminal: answer['41'], responseCode: fits[0]!.rc, approvalCode: answer['39'], reversed: false },
      'an approval came after its request was answered in time with a decline (the caller was told declined): NOT reversed (it cannot be tied to that request for certain); check with the host',
    );
    return true;
  }

  /** Forgets the declines the approval `answer` fits (its request reversed otherwise: reversal-overtaken.ts). */
  forget(answer: IsoMessage): void {
    if (this.notes.length === 0) return;
    const booking = approvalBooking(this.dialect, answer);
    this.notes = this.notes.filter((n) => !this.approves(n, booking));
  }

  /**
   * Whether the approval of `booking` is of the booking the decline `n` was of: the same transaction by its identity
   * (key, acquirer, card mark: `sameTransaction`), and `approvesBooking` on the fields kept (no card number).
   */
  private approves(n: Declined, booking: ApprovalBooking): boolean {
    return sameTransaction(n.identity, booking) && approvesBooking(this.dialect, booking, n.reversal);
  }

  /** How many declines are remembered (tests). */
  get size(): number {
    return this.notes.length;
  }

  /** Drops the declines older than `keepFor` at `now`, the oldest first (the notes are in insertion order). */
  private prune(now: number): void {
    let expired = 0;
    while (expired < this.notes.length && now - this.notes[expired]!.at > this.keepFor) expired += 1;
    if (expired > 0) this.notes.splice(0, expired);
  }
}

/** Whether `answer`'s MTI is the answer class of the request `reversal` undoes (field 90's MTI; any when not known). */
function answersRequest(reversal: IsoMessage, answer: IsoMessage): boolean {
  const data = reversal[mtiText(reversal['0'])[0] === '1' ? '56' : '90'];
  if (typeof data !== 'string' || !/^\d{4}/.test(data)) return true;
  const mti = mtiText(answer['0']);
  return mti.slice(0, 2) === data.slice(0, 2) && mti[2] === String(Number(data[2]) + 1);
}

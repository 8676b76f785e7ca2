/**
 * An approval that comes after its request was answered in time with something else: the host answered a purchase
 * `05` (the caller declined the sale), then approved the same transmission (`00`, the same field 7). That approval
 * moved money the merchant never took. The declines of armed requests (reversible, journaled) are remembered a while
 * ({@link OVERTAKEN_FOR_MS}, at most {@link OVERTAKEN_MAX}); an unsolicited approval tied to one FOR CERTAIN (the
 * same STAN and terminal, acquirer and card agreeing, the same field 7 the declined request sent, and no other
 * decline remembered that it could be of) reverses that request as a timed-out one is: its reversal (as journaled at
 * arm, with the amount the approval moved when it may) journaled as an SAF entry of its own, durable before anything
 * depends on it, sent until answered (a host that booked nothing answers `25`: harmless). Logged at `warn`
 * (`ISO8583_WARN_SAF_APPROVAL_AFTER_DECLINE`, never card data) and counted (`approvalsAfterDecline`). An approval
 * that fits a decline but not for certain (it echoes no field 7, or fits two) is logged with the code only: not
 * reversed, for the operator to check with the host.
 */
import { isApprovalClass } from '@iso8583/codec';
import type { Dialect, Iso8583Error, IsoMessage } from '@iso8583/codec';
import type { Logger } from 'pino';
import { mtiText, transactionKey } from './match-key.js';
import type { ReversalPlan } from './reversal-message.js';
import { OVERTAKEN_FOR_MS, OVERTAKEN_MAX } from './reversal-overtaken.js';
import { entryId } from './reversal-entry.js';
import { approvalBooking, approvesBooking } from './transactions-in-flight.js';

/** The code of the log line of an approval after an in-time decline. */
const CODE = 'ISO8583_WARN_SAF_APPROVAL_AFTER_DECLINE';

/** One decline remembered: the reversal journaled for its request, its response code, when it came. */
interface Declined {
  readonly reversal: IsoMessage;
  readonly rc: string | undefined;
  readonly at: number;
}

/** The in-time declines of armed requests, by transaction key, and the approvals that come after them. */
export class DeclinedInTime {
  private readonly notes = new Map<string, Declined[]>();
  private held = 0;

  /**
   * @param dialect The connector's dialect (approval codes, the transaction key).
   * @param plan How the connector's reversals are built (the approved amount, `ReversalPlan.approve`).
   * @param host Its logger, and what counts an approval after a decline (`reversed`: a reversal stored for it).
   * @param add Journals a reversal as SAF entry `id` and queues it once durable (the manager's `add`).
   * @param max Most declines remembered (default {@link OVERTAKEN_MAX}), the oldest forgotten first.
   * @param keepFor Milliseconds a decline is remembered (default {@link OVERTAKEN_FOR_MS}).
   */
  constructor(
    private readonly dialect: Dialect,
    private readonly plan: ReversalPlan,
    private readonly host: { readonly logger: Logger; approvalAfterDecline?(reversed: boolean): void },
    private readonly add: (message: IsoMessage, id: string) => Promise<boolean>,
    private readonly max = OVERTAKEN_MAX,
    private readonly keepFor = OVERTAKEN_FOR_MS,
  ) {}

  /**
   * The request of the armed entry `entry` was answered in time with `response`: remembered when that moved no money
   * (any code but an approval of the dialect's: a decline, a system error); its `reversal` is read only then.
   */
  answered(entry: { readonly reversal: IsoMessage }, response: IsoMessage): void {
    const rc = typeof response['39'] === 'string' ? response['39'] : undefined;
    if (rc === undefined || isApprovalClass(this.dialect, rc, mtiText(response['0']))) return;
    const reversal = entry.reversal;
    const key = transactionKey(this.dialect, reversal['11'], reversal['41']);
    const list = this.notes.get(key) ?? [];
    this.notes.delete(key);
    this.notes.set(key, list);
    list.push({ reversal, rc, at: Date.now() });
    this.held += 1;
    while (this.held > this.max) {
      const [oldest, notes] = this.notes.entries().next().value as [string, Declined[]];
      notes.shift();
      if (notes.length === 0) this.notes.delete(oldest);
      this.held -= 1;
    }
  }

  /**
   * `answer`, an unsolicited approval of a reversible request (no request waits for it, no timed-out key names it),
   * which came at `at` (epoch ms): when it fits a decline remembered, logged and counted, and (tied for certain) its
   * request reversed (the decline then forgotten); returns whether it was (a reversal stored for it).
   */
  approval(answer: IsoMessage, at = Date.now()): boolean {
    if (this.held === 0) return false;
    const key = transactionKey(this.dialect, answer['11'], answer['41']);
    const list = this.notes.get(key);
    if (list === undefined) return false;
    const booking = approvalBooking(this.dialect, answer);
    const fits = list.filter((n) => at - n.at <= this.keepFor && approvesBooking(this.dialect, booking, n.reversal) && answersRequest(n.reversal, answer));
    if (fits.length === 0) return false;
    const only = fits.length === 1 ? fits[0]! : undefined;
    // Certain: its field 7 is the declined request's (approvesBooking compared it: both carry one), and none other fits.
    const certain = only !== undefined && booking.time !== undefined && only.reversal['7'] !== undefined;
    const named = { code: CODE, mti: answer['0'], stan: answer['11'], terminal: answer['41'], responseCode: only?.rc ?? fits[0]!.rc, approvalCode: answer['39'] };
    this.host.approvalAfterDecline?.(certain);
    if (!certain) {
      this.host.logger.warn(
        { ...named, reversed: false },
        'an approval came after its request was answered in time with a decline, but it cannot be tied to that request for certain (no field 7, or more than one request fits): NOT reversed; check with the host',
      );
      return false;
    }
    list.splice(list.indexOf(only), 1);
    this.held -= 1;
    if (list.length === 0) this.notes.delete(key);
    const reversal: IsoMessage = { ...only.reversal };
    const currency = reversal['49'];
    const kept = this.plan.approve(reversal, answer, typeof currency === 'string' ? currency : '');
    this.host.logger.warn(
      { ...named, reversed: true, ...(kept === undefined ? {} : { amountKept: kept }) },
      'an approval came after its request was answered in time with a decline (the caller was told declined): reversing it',
    );
    void this.add(reversal, entryId()).catch((err: unknown) => {
      this.host.logger.error(
        { ...named, reversed: false, cause: (err as Iso8583Error | undefined)?.code },
        'the reversal of an approval that came after an in-time decline could not be stored: NOT reversed; check with the host',
      );
    });
    return true;
  }

  /** Forgets the declines the approval `answer` fits (its request reversed otherwise: reversal-overtaken.ts). */
  forget(answer: IsoMessage): void {
    if (this.held === 0) return;
    const key = transactionKey(this.dialect, answer['11'], answer['41']);
    const list = this.notes.get(key);
    if (list === undefined) return;
    const booking = approvalBooking(this.dialect, answer);
    const left = list.filter((n) => !approvesBooking(this.dialect, booking, n.reversal));
    this.held -= list.length - left.length;
    if (left.length === 0) this.notes.delete(key);
    else this.notes.set(key, left);
  }
}

/** Whether `answer`'s MTI is the answer class of the request `reversal` undoes (field 90's MTI; any when not known). */
function answersRequest(reversal: IsoMessage, answer: IsoMessage): boolean {
  const data = reversal[mtiText(reversal['0'])[0] === '1' ? '56' : '90'];
  if (typeof data !== 'string' || !/^\d{4}/.test(data)) return true;
  const mti = mtiText(answer['0']);
  return mti.slice(0, 2) === data.slice(0, 2) && mti[2] === String(Number(data[2]) + 1);
}

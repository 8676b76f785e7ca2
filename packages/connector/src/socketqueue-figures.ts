/**
 * SocketQueue's stat-server figures under its names, by its definitions but for two deviations (each marked below, and
 * in docs/gateway.md's stats table: a refund is any processing code starting 20, and a declined 0410 is a fault), so
 * that a monitoring check written against SocketQueue (Zabbix, Kibana) reads the same figures. The deviations are kept
 * on purpose: SocketQueue's rules added a 203000 refund to `securedAmount` as a purchase and never counted a declined
 * reversal. Amounts are in major units (field 4 / 100), as
 * SocketQueue shows them; they are kept as whole minor units and divided only when shown.
 *
 * - `processedAmount`: every 0200 request passed on, answered or not, approved or not; the same 0200 sent again (a
 *   resend of its transaction, money-repeats.ts) once.
 * - `securedAmount`: approved 0210s (a refund, processing code 20xxxx, counts negative) minus approved 0410s.
 * - `refundAmount`: approved 0210s with a processing code starting 20 (the amounts' `refund` rule: one rule for both).
 *   Deviation: SocketQueue's refundAmount.js took `200000` only, and its securedAmount.js added a `203000` (a refund
 *   from a credit account) as a purchase; here it is a refund in both, as in the connector's `amounts`.
 * - `reversalAmount`: approved 0410s (a partial reversal's field 4 less its replacement amount, field 95: `reversedAmountOf`).
 * - `faultStat`: 0210 and 0410 answers (a repeat's 0211 and 0411 among them) that are not approvals, by response code
 *   read as a number (`005` -> `5`); a code that is not 1-3 letters or digits under `invalid` (the codec's `responseCodeLabel`).
 *   Deviation: SocketQueue's faultStat.js lists `'410'`, which no MTI matches, so it counted 0210s only; a declined
 *   reversal counts here (a reversal the bank refused is what monitoring most needs to see).
 * - `packetCount`: every request passed on and every answer from the host (late ones included), by MTI, and their
 *   `total`.
 *
 * An approval counts whenever it comes: a 0210 that came after its request timed out is at the bank (its reversal
 * counts when it ends). A SAF entry's 0410 counts once, when the entry ends, whichever of its attempts' answers ended
 * it (accounting.ts `ended`), not at each answer. A transaction counts once however many times it is sent
 * (money-repeats.ts): the approved 0210 of a repeat (0201) counts only when no approval of its original did, and an
 * approved 0410 once per original (a 0401 repeat, or a second reversal of an original reversed, adds nothing), so
 * `securedAmount` and `reversalAmount` follow what the bank booked. `processedAmount` counts 0200s only, never 0201s,
 * and a resent 0200 once.
 *
 * "Approved" is the dialect's (`isApproved`), not SocketQueue's "39 reads as the number 0".
 */
import { isApproved, responseCodeLabel } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import { answerOfRepeat } from './match-key.js';

/** SocketQueue's stat-server JSON (what its `--statServerPort` writes on connect). */
export interface SocketQueueFiguresSnapshot {
  /** Approved purchase amounts minus approved refunds and reversals (major units). */
  securedAmount: number;
  /** Every 0200 request's amount, answered or not (major units). */
  processedAmount: number;
  /** Approved refunds (0210, a processing code starting 20) (major units). */
  refundAmount: number;
  /** Approved reversals (0410) (major units): a partial one (field 95) counts field 4 less its replacement amount. */
  reversalAmount: number;
  /** Declines and errors of 0210 and 0410 by response code (leading zeros dropped, as SocketQueue does). */
  faultStat: Record<string, number>;
  /** Requests and responses by MTI, and `total`. */
  packetCount: Record<string, number>;
}

/** Field 4 as minor units: a whole number of up to 15 digits (a number or digits), else 0 (not counted). */
export function amountOf(value: MessageInput[string] | undefined): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : 0;
  return typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : 0;
}

/**
 * What an approved 1987 reversal undid (minor units): its field 4 `amount`, less the replacement amount a partial
 * reversal carries (`replacement`: field 95, whose first 12 digits are the amount that stays at the bank), never below
 * 0; the whole `amount` when field 95 is absent or does not begin with 12 digits.
 */
export function reversedAmountOf(amount: number, replacement: MessageInput[string] | undefined): number {
  if (typeof replacement !== 'string' || !/^\d{12}/.test(replacement)) return amount;
  return Math.max(0, amount - Number(replacement.slice(0, 12)));
}

/** SocketQueue's key for a response code: its numeric value as text (`005` -> `5`), else the code as it is. */
function faultKey(rc: string): string {
  return /^\d+$/.test(rc) ? String(Number(rc)) : rc;
}

/** The counters behind {@link SocketQueueFiguresSnapshot}. */
export class SocketQueueFigures {
  private secured = 0;
  private processed = 0;
  private refund = 0;
  private reversal = 0;
  private readonly faults: Record<string, number> = {};
  private readonly packets: Record<string, number> = { total: 0 };

  constructor(private readonly dialect: Pick<Dialect, 'approvalCodes' | 'fields'>) {}

  /**
   * A request passed on to the host (`mti`: four digits or `invalid`). `resent`: the same 0200 sent again (a terminal
   * retrying: money-repeats.ts), a packet whose amount `processedAmount` has already (default false).
   */
  request(mti: string, message: MessageInput, resent = false): void {
    this.packet(mti);
    if (mti === '0200' && !resent) this.processed += amountOf(message['4']);
  }

  /**
   * An answer from the host, in time or late (its request timed out): a packet, and a fault when a 0210 or 0410 (or a
   * repeat's 0211, 0411) is not an approval. Its amount is {@link amounts}' (the connector's accounting says when it counts).
   */
  answer(response: IsoMessage): void {
    const mti = typeof response['0'] === 'string' ? response['0'] : 'invalid';
    this.packet(/^\d{4}$/.test(mti) ? mti : 'invalid');
    // A repeat's answer (0211, 0411) is a fault as its original's is (one rule with `amounts`).
    const standard = answerOfRepeat(mti);
    if (standard !== '0210' && standard !== '0410') return;
    const rc = response['39'];
    // Bounded as the connector's labels are (a host's 39 may be anything, even card data): `invalid` beyond 1-3
    // letters or digits.
    if (isApproved(this.dialect, rc) || typeof rc !== 'string') return;
    const key = faultKey(responseCodeLabel(rc, 'none'));
    this.faults[key] = (this.faults[key] ?? 0) + 1;
  }

  /**
   * The amount of an approved 0210 (secured, or a refund) or 0410 (a reversal) `response`; nothing for any other.
   * `amount` (minor units) and `refund` are what the connector's accounting decided once for its totals too
   * (accounting.ts `money`: the answer's fields 4 and 3, else the request's; a refund a processing code starting `20`;
   * an accepted 0410's amount what it undid, field 4 less a partial reversal's field 95). Called only for an answer
   * whose transaction has not counted it yet (money-repeats.ts).
   */
  amounts(response: IsoMessage, amount: number, refund = false): void {
    // A repeat's answer (0211, 0411) counts as its original's (money-repeats.ts: one rule for every figure).
    const mti = typeof response['0'] === 'string' ? answerOfRepeat(response['0']) : response['0'];
    if ((mti !== '0210' && mti !== '0410') || !isApproved(this.dialect, response['39'])) return;
    if (mti === '0410') {
      this.reversal += amount;
      this.secured -= amount;
    } else if (refund) {
      this.refund += amount;
      this.secured -= amount;
    } else {
      this.secured += amount;
    }
  }

  /** The figures as SocketQueue shows them. */
  snapshot(): SocketQueueFiguresSnapshot {
    return {
      securedAmount: this.secured / 100,
      processedAmount: this.processed / 100,
      refundAmount: this.refund / 100,
      reversalAmount: this.reversal / 100,
      faultStat: { ...this.faults },
      packetCount: { ...this.packets },
    };
  }

  private packet(mti: string): void {
    this.packets[mti] = (this.packets[mti] ?? 0) + 1;
    this.packets.total = (this.packets.total ?? 0) + 1;
  }
}

/**
 * The money figures of a transaction sent more than once (accounting.ts): the bank books a transaction once, whatever
 * number of times it is sent, so its amount counts once. The one rule, for `iso8583_connector_amount_total`, the
 * `stats().amounts` and SocketQueue's figures alike:
 *
 * - An original (a financial request, 0100 or 0200 or their 1993 forms, whose MTI's fourth digit, the origin, is even)
 *   is a transaction of its own: its answer counts, in time or late. Written to the host, it opens its key afresh
 *   (a STAN and terminal used again name a new transaction): what was counted under the key before is forgotten.
 * - A repeat (0101, 0201, 1201 ...: an odd origin) counts only what its original's answer under the same transaction
 *   key (STAN and terminal, field 11 and 41, as the wire carries them) did not: `processed` when no answer of the
 *   transaction was counted, `secured` (and `refund`) when none approved it. So an approved 0200 and its approved 0201
 *   count once; a 0200 that timed out unanswered and its approved 0201 count once (the repeat's answer); and the
 *   original's approval that comes after a repeat's answer was counted (late) adds nothing.
 * - A reversal (0400, 0401, 0420, 0421 and their 1993 forms) is counted under its original's key (the STAN of its
 *   original data elements, field 90, or 56 in 1993, when present: `originalStanOf`), once per original, whichever of
 *   its messages' accepted answers comes first: the bank undoes a transaction once, however many repeats or advices
 *   of its reversal it answers.
 *
 * The memory is bounded: the last {@link COUNTED_TRANSACTIONS} transactions counted, the oldest forgotten first. A
 * repeat of a transaction forgotten (that many others counted since) counts as an original would.
 */
import type { Dialect, MessageInput } from '@iso8583/codec';
import { isRepeatMti, originalStanOf, transactionKey } from './match-key.js';

/** Transactions whose counted amounts are remembered per connector, to count a repeat once (the oldest forgotten first). */
export const COUNTED_TRANSACTIONS = 16384;

/** What of a transaction was counted: its answer (`processed`), an approval (`secured`), an accepted reversal. */
const PROCESSED = 1;
const SECURED = 2;
const REVERSED = 4;
/** A repeat's answer was counted: the original's answer (late, or on another connection) is then a copy of the same booking. */
const REPEATED = 8;

/** What a financial answer adds to the figures: its `processed` amount, its `secured` one (with the refund). */
export interface FreshAmounts {
  readonly processed: boolean;
  readonly secured: boolean;
}

/** The transactions counted, by transaction key (see the file's note). */
export class MoneyRepeats {
  /** Flags by transaction key, oldest first (a key counted again takes the newest place). */
  private readonly counted = new Map<string, number>();

  /** `dialect`: the connector's, whose fields 11 and 41 say how a STAN and a terminal look on the wire. */
  constructor(private readonly dialect: Pick<Dialect, 'fields'>) {}

  /**
   * A financial request (0100, 0200, their repeats) of `mti` written to the host: an original (even origin) opens its
   * key as a new transaction. Not for other classes (a reversal opens nothing).
   */
  written(mti: string, message: MessageInput): void {
    if (!isRepeatMti(mti) && this.counted.size > 0) this.counted.delete(this.keyOf(message['11'], message['41']));
  }

  /**
   * The answer (`approved` or not), in time or late, to a financial request of `mti` under the STAN and terminal of
   * `keyed` (the request, or a late answer, which echoes them): what it adds. An original's answer that comes after a
   * repeat's answer of its transaction was counted is a copy of the same booking: it adds what the repeat's did not.
   */
  financial(mti: string, keyed: MessageInput, approved: boolean): FreshAmounts {
    const key = this.keyOf(keyed['11'], keyed['41']);
    const had = this.counted.get(key) ?? 0;
    const flags = PROCESSED | (approved ? SECURED : 0);
    if (!isRepeatMti(mti) && (had & REPEATED) === 0) {
      this.remember(key, had | flags);
      return { processed: true, secured: approved };
    }
    this.remember(key, had | flags | REPEATED);
    return { processed: (had & PROCESSED) === 0, secured: approved && (had & SECURED) === 0 };
  }

  /** A reversal `message`'s answer, `accepted` or not: true when it undoes its original for the first time. */
  reversal(message: MessageInput, accepted: boolean): boolean {
    if (!accepted) return false;
    const key = this.keyOf(originalStanOf(message), message['41']);
    const had = this.counted.get(key) ?? 0;
    if ((had & REVERSED) !== 0) return false;
    this.remember(key, had | REVERSED);
    return true;
  }

  private keyOf(stan: unknown, terminal: unknown): string {
    return transactionKey(this.dialect, stan, terminal);
  }

  private remember(key: string, flags: number): void {
    // Deleted first, so that the key takes the newest place (a Map keeps its first insertion's).
    this.counted.delete(key);
    this.counted.set(key, flags);
    if (this.counted.size > COUNTED_TRANSACTIONS) this.counted.delete(this.counted.keys().next().value as string);
  }
}

/**
 * The records of money-repeats.ts: its bounds, what of a transaction was counted (flags), the record of one
 * transaction counted, and the mark (fields 37 and 38) that tells the host's copy of an answer. Split from
 * money-repeats.ts (its rule and memory stay there, see its note) to keep each file on one idea.
 */
import type { MessageInput } from '@iso8583/codec';
import { fieldText } from './match-key.js';
import { sameTransaction } from './transactions-in-flight.js';
import type { HeldTransaction } from './transactions-in-flight.js';
import type { SentAmount } from './late-keys.js';

/**
 * Most transactions whose counted amounts are remembered per connector (the least recently counted forgotten first):
 * far above what the age bound keeps at a busy connector's rate (600 tps for 4 × 30 s is 72 000).
 */
export const COUNTED_TRANSACTIONS = 100_000;

/** Request timeouts (the connector's `requestTimeout`) after its last count that a transaction is remembered. */
export const FORGET_TIMEOUTS = 4;

/**
 * Most settled transactions (an answer of theirs counted) remembered under one STAN and terminal, the oldest settled
 * one dropped first. One unanswered is not dropped for this bound (its late approval must still be known as its own,
 * `uncounted`, or the reversal it calls for would count alone), only for {@link UNANSWERED_PER_KEY}.
 */
export const TRANSACTIONS_PER_KEY = 8;

/**
 * Most transactions remembered under one key (256), when all are unanswered (a terminal resending one STAN, no answers):
 * the oldest is then dropped (its late answer counts as an unknown one's), so the key's lookups stay short.
 */
export const UNANSWERED_PER_KEY = 256;

/**
 * Most field 7 values of forgotten records remembered under one key while others are (money-repeats.ts `unnamed`): a
 * late answer naming one counts as an unknown transaction's, not on another record of the key.
 */
export const FORGOTTEN_PER_KEY = 8;

/**
 * A transaction dropped unanswered from the memory of one key past {@link UNANSWERED_PER_KEY}: its STAN and terminal
 * (fields 11 and 41 as the wire carries them; the caller masks them before logging). Its late answer then counts as an
 * unknown transaction's.
 */
export interface DroppedUnanswered {
  readonly stan: string;
  readonly terminal: string;
}

/** What of a transaction was counted: its answer (`processed`), an approval (`secured`), an accepted reversal. */
export const PROCESSED = 1;
export const SECURED = 2;
export const REVERSED = 4;
/** A repeat's answer was counted: the original's answer (late, or on another connection) is then a copy of the same booking. */
export const REPEATED = 8;

/** What a financial answer adds to the figures: its `processed` amount, its `secured` one (with the refund). */
export interface FreshAmounts {
  readonly processed: boolean;
  readonly secured: boolean;
}

/**
 * One transaction counted: its identity, what of it was counted, when last (`performance.now()`), and the transmission
 * date and time (field 7 as the wire carries it, `''` when absent) of its original, once written or answered.
 */
export interface Counted {
  id: HeldTransaction;
  flags: number;
  at: number;
  sent?: string;
  /**
   * Its original's local date and time (field 12 as the wire carries it), once written, when it had one: what a 1993
   * reversal's field 56 names the original by.
   */
  local?: string;
  /** What its original sent as fields 3, 4 and 49 (an unsolicited late approval is judged against them: `uncounted`). */
  asSent?: SentAmount;
  /** The retrieval reference and approval code (fields 37 and 38) of the original's answer counted here, when it had any. */
  mark?: string;
  /** What that answer added to {@link flags} (taken back when it proves another record's: money-repeats.ts `financial`). */
  added?: number;
  /** The record counted just before this one (the count order: money-repeats.ts `MoneyRepeats`), `undefined` for the oldest. */
  older: Counted | undefined;
  /** The record counted just after this one, `undefined` for the most recent. */
  newer: Counted | undefined;
}

/** Fields 37 and 38 of `answer` as one text; `undefined` when both are absent or blank (no mark to tell a copy by). */
export function markOf(answer: MessageInput | undefined): string | undefined {
  const reference = fieldText(answer?.['37'])?.trim() ?? '';
  const approval = fieldText(answer?.['38'])?.trim() ?? '';
  return reference === '' && approval === '' ? undefined : `${reference}|${approval}`;
}

/**
 * A record forgotten under a key while others are remembered (money-repeats.ts `forgottenSent`): its identity, its
 * original's field 7 (`sent`) and local date and time (`local`, when it had one), as the wire carries them, and whether
 * its reversal was counted (`reversed`).
 */
export interface Forgotten {
  readonly id: HeldTransaction;
  readonly sent: string;
  readonly local: string | undefined;
  readonly reversed: boolean;
}

/**
 * True when `one` is of `asked`'s transaction and may be the original a financial answer or a reversal names by its
 * field 7 (`sent`) and, a 1993 reversal, its local date and time (`local`): each unknown on either side, or equal.
 */
export function namesOriginal(one: Counted, asked: HeldTransaction, sent: string | undefined, local: string | undefined): boolean {
  return sameTransaction(one.id, asked) && (sent === undefined || one.sent === undefined || one.sent === sent) && (local === undefined || one.local === undefined || one.local === local);
}

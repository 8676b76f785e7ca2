/**
 * The transactions a connector in an upstream group has in flight: each reversible request (0100, 0200, their repeats;
 * 1987 or 1993) accepted and not yet settled, whether reversal is on or not. The group asks it
 * (`Connector.holdsTransaction`) so that a repeat or a resend of such a transaction goes to this upstream, never to
 * another bank that could approve it too. A transaction is held by its STAN and terminal as the wire carries them
 * (`transactionKey`, the one key reversals go by too), with its acquirer (field 32) and its card (field 2, by its first
 * six and last four digits and its length: no whole card number is kept) kept beside it: a request names a held
 * transaction when its STAN and terminal match and, for the acquirer and for the card each, either side lacks it or
 * both are equal. Only both present and different (another acquirer's terminal with the same id, another card) make it
 * another transaction: a repeat that drops field 32 or 2 still follows its original. A request without field 41
 * (host-to-host traffic, whose STAN alone names no transaction) is not held. Nothing is held, and no key built, until
 * an upstream group adopts the connector ({@link TransactionsInFlight.tracking}). The rule is one
 * ({@link sameTransaction}): an upstream group's memory of where its originals went (upstream-group-originals.ts)
 * follows it too.
 */
import { DictionaryMap } from '@iso8583/codec';
import type { Dialect, MessageInput } from '@iso8583/codec';
import { fieldText, transactionKey, wireValue } from './match-key.js';
import { isReversible } from './reversal-message.js';
import { amountOf } from './socketqueue-figures.js';

/**
 * A card number (field 2) as a hold keeps it: its first six and last four digits and its length; shorter than 13
 * digits (where six and four leave too few hidden, a check digit gives one back), its length and, past 8 digits, its
 * last four only (pg/booking-sql.ts `cardMark` says the same in SQL); `undefined` when absent.
 */
function cardMark(pan: unknown): string | undefined {
  const text = fieldText(pan);
  if (text === undefined) return undefined;
  if (text.length < 13) return `${text.length}.${text.length > 8 ? text.slice(-4) : ''}`;
  return `${text.slice(0, 6)}.${text.length}.${text.slice(-4)}`;
}

/** One held request: its acquirer (field 32 as the wire carries it) and its card's mark, each `undefined` when absent. */
export interface HeldTransaction {
  readonly key: string;
  readonly acquirer: string | undefined;
  readonly card: string | undefined;
}

/** True when two values of one part of a transaction's identity do not tell it apart: either is absent, or both equal. */
const agrees = (a: string | undefined, b: string | undefined): boolean => a === undefined || b === undefined || a === b;

/**
 * The identity of the transaction `message` names in `dialect` (whose fields 11, 41 and 32 say how a STAN, a terminal
 * and an acquirer look on the wire): its transaction key (`stan`, default its field 11, and its field 41), its
 * acquirer and its card's mark (see the file's note).
 */
export function transactionIdentity(dialect: Pick<Dialect, 'fields'>, message: MessageInput, stan: unknown = message['11']): HeldTransaction {
  const acquirer = fieldText(message['32']);
  return {
    key: transactionKey(dialect, stan, message['41']),
    acquirer: acquirer === undefined ? undefined : wireValue(dialect.fields['32'], acquirer),
    card: cardMark(message['2']),
  };
}

/**
 * The one rule of whether a request names a transaction known by `known`: the same key (STAN and terminal), and its
 * acquirer and its card each absent on one side or equal.
 */
export function sameTransaction(known: HeldTransaction, asked: HeldTransaction): boolean {
  return known.key === asked.key && agrees(known.acquirer, asked.acquirer) && agrees(known.card, asked.card);
}

/**
 * The one rule of whether two messages of one transaction's life (its request, its repeat, their reversals) name the
 * same booking, for the retirement of a reversal that undid nothing by the approval in time of a later request of its
 * transaction (reversal-overtaken.ts `approvedInTime`, journal-overtaken.ts; pg/saf-sql.ts `DONE` says it in SQL): the
 * same transaction by {@link sameTransaction} (their identities in `dialect`), and the same amount (field 4, as a
 * number). A new transaction reusing the STAN at that terminal, for another amount or with another card, is another.
 */
export function sameBooking(dialect: Pick<Dialect, 'fields'>, a: MessageInput, b: MessageInput): boolean {
  return amountOf(a['4']) === amountOf(b['4']) && sameTransaction(transactionIdentity(dialect, a), transactionIdentity(dialect, b));
}

/**
 * What a late approval is told apart by (reversal-overtaken.ts keeps it of a noted approval: no whole card number): its
 * {@link transactionIdentity}, its field 7 as the wire carries it (`time`; `undefined` when absent) and its amount
 * (field 4 as a number, `amountOf`: 0 when absent).
 */
export interface ApprovalBooking extends HeldTransaction {
  readonly time: string | undefined;
  readonly amount: number;
  /**
   * Whether a reversal carries the original's field 7 that `time` is compared with in its field 90 (1987 original data
   * elements: MTI, STAN, then field 7), not in its own field 7: a dialect with `freshTransmissionTime` (a new field 7
   * on every attempt; see {@link approvesBooking}). Set by reversal-overtaken.ts `bookingOf` for a shared journal's
   * look-up (pg/overtaken-sql.ts `OF_BOOKING`). Default false.
   */
  readonly timeIn90?: boolean;
}

/** The {@link ApprovalBooking} of the late approval `answer` in `dialect`. */
export function approvalBooking(dialect: Pick<Dialect, 'fields'>, answer: MessageInput): ApprovalBooking {
  const time = fieldText(answer['7']);
  return { ...transactionIdentity(dialect, answer), time: time === undefined ? undefined : wireValue(dialect.fields['7'], time), amount: amountOf(answer['4']) };
}

/**
 * The field 7 of the original a reversal (or its repeat) `reversal` undoes, as the wire carries it: its own field 7,
 * copied from the original; with `freshTransmissionTime` (a new one on every attempt) the one its field 90 (1987
 * original data elements: MTI, STAN, then field 7) carries when that names its STAN; else `undefined` (not known).
 */
function originalTime(dialect: Pick<Dialect, 'fields' | 'reversal'>, reversal: MessageInput): string | undefined {
  if (dialect.reversal?.freshTransmissionTime !== true) {
    const time = fieldText(reversal['7']);
    return time === undefined ? undefined : wireValue(dialect.fields['7'], time);
  }
  const data = fieldText(reversal['90']);
  const stan = fieldText(reversal['11']);
  return data !== undefined && stan !== undefined && /^\d{20}/.test(data) && data.slice(4, 10) === wireValue(dialect.fields['11'], stan) ? data.slice(10, 20) : undefined;
}

/**
 * The one rule of whether the late approval `approval` ({@link approvalBooking}) is of the booking the reversal
 * `reversal` undoes (reversal-overtaken.ts: only then does the one call for the other's repeat): the same transaction by
 * {@link sameTransaction}; the same field 7 (the original's transmission time, which the host's answer echoes) when
 * both carry it; and the same amount (field 4 as a number) or less (a partial approval, whatever field the connector
 * reads the approved amount from, `ReversalPlan.approvalFields`: a host's partial approval carries the smaller amount
 * in field 4 too) when both carry one. A new transaction reusing the STAN at that terminal (another field 7, a larger
 * amount, another card or acquirer) is another booking.
 */
export function approvesBooking(dialect: Pick<Dialect, 'fields' | 'reversal'>, approval: ApprovalBooking, reversal: MessageInput): boolean {
  if (!sameTransaction(transactionIdentity(dialect, reversal), approval)) return false;
  const time = originalTime(dialect, reversal);
  if (time !== undefined && approval.time !== undefined && time !== approval.time) return false;
  const amount = amountOf(reversal['4']);
  return amount === 0 || approval.amount === 0 || approval.amount <= amount;
}

/**
 * Whether two reversals (or attempts, repeats of one) `a` and `b` undo the same original: the same booking by
 * {@link sameBooking} and the same original field 7 (as {@link approvesBooking} reads it: field 90's with a fresh field
 * 7 on every attempt) when both carry one. reversal-overtaken.ts keeps one note per such reversal.
 */
export function sameReversal(dialect: Pick<Dialect, 'fields' | 'reversal'>, a: MessageInput, b: MessageInput): boolean {
  if (!sameBooking(dialect, a, b)) return false;
  const ta = originalTime(dialect, a);
  const tb = originalTime(dialect, b);
  return ta === undefined || tb === undefined || ta === tb;
}

/** The held requests in flight, by transaction key (STAN and terminal); see the file's note. */
export class TransactionsInFlight {
  private readonly byKey = new DictionaryMap<HeldTransaction[]>(); // a key gained and lost per request: no Map (issue 10)

  /** True once an upstream group adopted the connector: only then are transactions held. Default false. */
  tracking = false;

  /** `dialect`: the connector's, whose fields 11, 41 and 32 say how a STAN, a terminal and an acquirer look on the wire. */
  constructor(private readonly dialect: Dialect) {}

  /**
   * Holds the transaction of `message` (as the connector sends it, auto-filled) when tracking, `mti` is reversible and
   * the message has fields 11 and 41; returns the hold to {@link TransactionsInFlight.release} when it settles, else
   * `undefined` (nothing held).
   */
  hold(message: MessageInput, mti: string): HeldTransaction | undefined {
    if (!this.tracking || message['41'] == null || message['11'] == null || !isReversible(mti)) return undefined;
    const held = transactionIdentity(this.dialect, message);
    const list = this.byKey.get(held.key);
    if (list === undefined) this.byKey.set(held.key, [held]);
    else list.push(held);
    return held;
  }

  /** The request held as `held` settled. */
  release(held: HeldTransaction): void {
    const list = this.byKey.get(held.key);
    const at = list?.indexOf(held) ?? -1;
    if (list === undefined || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.byKey.delete(held.key);
  }

  /**
   * True while a reversible request of the transaction `message` names is in flight: same fields 11 and 41, and fields
   * 32 and 2 each absent on one side or equal (see the file's note).
   */
  has(message: MessageInput): boolean {
    if (this.byKey.size === 0 || message['41'] == null || message['11'] == null) return false;
    const asked = transactionIdentity(this.dialect, message);
    return this.byKey.get(asked.key)?.some((h) => sameTransaction(h, asked)) ?? false;
  }
}

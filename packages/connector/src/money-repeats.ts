/**
 * The money figures of a transaction sent more than once (accounting.ts): the bank books a transaction once, whatever
 * number of times it is sent, so its amount counts once. The one rule, for `iso8583_connector_amount_total`, the
 * `stats().amounts` and SocketQueue's figures alike:
 *
 * - An original (a financial request, 0100 or 0200 or their 1993 forms, whose MTI's fourth digit, the origin, is even)
 *   is a transaction of its own: its answer counts, in time or late. Written to the host, it opens a record of its
 *   own under its key (a STAN and terminal used again name a new transaction: its repeats and reversals find it, the
 *   most recent), unless it is the same original sent again (a terminal retrying, the first send timed out or its
 *   answer lost): the same transaction and the same transmission date and time (field 7, absent on both sides
 *   counting as the same), which with the STAN is what a reversal's original data elements name an original by (one
 *   whose reversal was accepted is not: the bank undid it, and the same original sent again is booked anew). A resent
 *   original counts as a repeat does: only what no answer of its transmission counted (its answers, and the
 *   first send's late one, are copies of one booking), and not again in SocketQueue's `processedAmount`. A new
 *   transaction of the same amount (another STAN, or the STAN used again at another transmission time) counts again,
 *   and so does an earlier transmission's late answer under the STAN used again. A late answer without field 7 (a bank
 *   not echoing it) names no transmission: it is the most recent transaction's under its key. A late answer with field
 *   7 is the oldest of its transmission's records whose answer was not counted (an original reversed, then sent again
 *   as it was, has two: the first send's late approval after the resend's answer is the first send's booking, which
 *   the reversal undid, not a copy of the resend's), else the most recent; one whose field 7 names no record of its
 *   transaction (a host writing its own time) is the record of the request the late keys tied it to (`tied`: its
 *   field 7 as sent) when that one's answer was not counted, else the oldest record of the transaction whose answer was
 *   not counted, else its most recent.
 * - A repeat (0101, 0201, 1201 ...: an odd origin) counts only what its original's answer under the same transaction
 *   key (STAN and terminal, field 11 and 41, as the wire carries them) did not: `processed` when no answer of the
 *   transaction was counted, `secured` (and `refund`) when none approved it. So an approved 0200 and its approved 0201
 *   count once; a 0200 that timed out unanswered and its approved 0201 count once (the repeat's answer); and the
 *   original's approval that comes after a repeat's answer was counted (late) adds nothing.
 * - A reversal (0400, 0401, 0420, 0421 and their 1993 forms) is counted under its original's key (the STAN of its
 *   original data elements, field 90, or 56 in 1993, when present: `originalStanOf`; the transaction whose field 7
 *   field 90 names, or in 1993 whose local date and time, field 12, field 56 names; else the most recent), once per
 *   original, whichever of
 *   its messages' accepted answers comes first: the bank undoes a transaction once, however many repeats or advices
 *   of its reversal it answers.
 *
 * A transaction is named by the one rule of transactions-in-flight.ts (`sameTransaction`): its STAN and terminal, and
 * its acquirer (field 32) and card (field 2) each absent on one side or equal. Another acquirer's (or card's)
 * transaction under the same STAN and terminal id is another transaction: its original opens nothing of the first, and
 * a repeat of the first still counts against the first's answers.
 *
 * The memory is bounded by age: a transaction is forgotten {@link FORGET_TIMEOUTS} request timeouts after its last
 * count (a repeat or a late answer comes within a few timeouts); at most {@link COUNTED_TRANSACTIONS} are kept (the least
 * recently counted forgotten first), and under one key {@link TRANSACTIONS_PER_KEY} settled and {@link UNANSWERED_PER_KEY}
 * in all. A repeat of a transaction forgotten counts as an original would. Cost (issue 10): the records are kept in
 * count order as a list linked through the records themselves (no `Set`, whose deleted slots each walk from its start
 * skipped), by key in a `DictionaryMap` (codec), and what is past its age is forgotten once per call, from the oldest.
 */
import { performance } from 'node:perf_hooks';
import { DictionaryMap } from '@iso8583/codec';
import type { Dialect, MessageInput } from '@iso8583/codec';
import { fieldText, isRepeatMti, mtiText, originalStanOf, wireValue } from './match-key.js';
import { sameTransaction, transactionIdentity } from './transactions-in-flight.js';
import type { HeldTransaction } from './transactions-in-flight.js';
import type { SentAmount } from './late-keys.js';
import { COUNTED_TRANSACTIONS, FORGET_TIMEOUTS, FORGOTTEN_PER_KEY, PROCESSED, REPEATED, REVERSED, SECURED, TRANSACTIONS_PER_KEY, UNANSWERED_PER_KEY, markOf, namesOriginal } from './money-records.js';
import type { Counted, DroppedUnanswered, Forgotten, FreshAmounts } from './money-records.js';

export { COUNTED_TRANSACTIONS, FORGET_TIMEOUTS, TRANSACTIONS_PER_KEY, UNANSWERED_PER_KEY };
export type { DroppedUnanswered, FreshAmounts };

/** The transactions counted (see the file's note). */
export class MoneyRepeats {
  /** The transactions counted by transaction key (STAN and terminal), the most recent last. */
  private readonly byKey = new DictionaryMap<Counted[]>();
  /**
   * Every transaction counted, least recently counted first (one counted again moves to the end): a list linked through
   * the records' `older` and `newer`, from this one to {@link newest}.
   */
  private oldest: Counted | undefined;
  /** The most recently counted transaction. */
  private newest: Counted | undefined;
  /** Transactions remembered. */
  private remembered = 0;
  /**
   * By key, while records are still remembered under it: the identity and field 7 (as the wire carries it) of the last
   * {@link FORGOTTEN_PER_KEY} records forgotten under it (dropped past a bound, aged out, pushed out by the cap): a
   * late answer naming one's field 7, of its transaction (`sameTransaction`: another acquirer's or card's under the
   * STAN and terminal is not), is a forgotten transaction's, counted as an unknown one's, never on another record
   * (`unnamed`); one reversed stays so for a repeat or advice of its reversal (`reversal`, fix66b F2).
   */
  private readonly forgottenSent = new DictionaryMap<Forgotten[]>();
  /** Milliseconds a transaction is remembered after its last count. */
  private readonly forgetAfter: number;

  /**
   * `dialect`: the connector's, whose fields 11, 41 and 32 say how a STAN, a terminal and an acquirer look on the wire;
   * `requestTimeout`: the connector's (default 30 000 ms), of which {@link FORGET_TIMEOUTS} are the memory's age;
   * `now`: the clock (default `performance.now`); `cap`: the most transactions remembered (default
   * {@link COUNTED_TRANSACTIONS}); `perKey`: the most settled transactions remembered under one key (default
   * {@link TRANSACTIONS_PER_KEY}); `unansweredPerKey`: the most under one key (default {@link UNANSWERED_PER_KEY});
   * `onDrop`: told of each transaction dropped unanswered past that bound (default none; the connector logs it,
   * `ISO8583_WARN_MONEY_UNANSWERED_DROPPED`), synchronously, after it is dropped: it must not throw.
   */
  constructor(
    private readonly dialect: Pick<Dialect, 'fields'>,
    requestTimeout = 30_000,
    private readonly now: () => number = () => performance.now(),
    private readonly cap = COUNTED_TRANSACTIONS,
    private readonly perKey = TRANSACTIONS_PER_KEY,
    private readonly unansweredPerKey = UNANSWERED_PER_KEY,
    private readonly onDrop?: (dropped: DroppedUnanswered) => void,
  ) {
    this.forgetAfter = FORGET_TIMEOUTS * requestTimeout;
  }

  /**
   * A financial request (0100, 0200, their repeats) of `mti` written to the host: an original (even origin) opens a
   * record of its own (nothing of it counted), unless it is a transaction's original sent again (the same
   * transmission date and time, field 7): then true (a resend, counted as a repeat).
   * False for a repeat. Not for other classes (a reversal opens nothing).
   */
  written(mti: string, message: MessageInput): boolean {
    if (isRepeatMti(mti)) return false;
    // A resend is remembered afresh (its answer, or the first send's late one, may come a few timeouts from now); a new
    // transaction gets a record of its own, the most recent under its key, which its repeats and answers find.
    const now = this.now();
    this.expire(now);
    const { c, same } = this.find(now, transactionIdentity(this.dialect, message), this.sentOf(message), true);
    const local = wireValue(this.dialect.fields['12'], fieldText(message['12']));
    if (local !== '') c.local ??= local;
    c.asSent = { processingCode: message['3'], amount: message['4'], currency: message['49'] };
    return same;
  }

  /**
   * The answer (`approved` or not), in time or late, to a financial request of `mti` naming the transaction of `keyed`
   * (the request, or a late answer, which echoes it): what it adds. An original's answer that comes after a repeat's
   * answer of its transaction was counted is a copy of the same booking: it adds what the repeat's did not.
   * `late`: the answer came after its request timed out (or matched none): of the records of its transmission (an
   * original reversed, then sent again as it was: two bookings of one field 7), it is the oldest one's whose answer was
   * not counted, when there is one (the first send's late approval after the resend's was counted is the first send's
   * booking, not a copy of the resend's); an answer in time is its request's, the most recent record.
   * `answer`: the answer itself (default none), whose fields 37 and 38, when not blank, tell the host's copy of an
   * answer counted for its transmission (the same two fields) from another booking (its own approval code): a copy
   * adds nothing, wherever it comes first (a resend's answer late on another connection, then in time on its own).
   * `tied`: the field 7 (as the wire carries it) of the timed-out request the late keys tied a late answer to (default
   * none): one whose own field 7 names no record of its transaction (a host writing its own time) counts on that
   * request's record when it is uncounted, before the oldest uncounted (`unnamed`).
   */
  financial(mti: string, keyed: MessageInput, approved: boolean, late = false, answer?: MessageInput, tied?: string): FreshAmounts {
    const repeat = isRepeatMti(mti);
    // An original's answer is its own transmission's (field 7): another original's late answer under a STAN used again
    // is another transaction's. A late answer without field 7 (a bank not echoing it) names no transmission: it is the
    // most recent of its transaction's (else it would open a record of its own and count the booking again).
    const sent = repeat || keyed['7'] === undefined ? undefined : this.sentOf(keyed);
    const asked = transactionIdentity(this.dialect, keyed);
    const mark = sent === undefined ? undefined : markOf(answer);
    const now = this.now();
    this.expire(now);
    const copied = mark === undefined ? undefined : this.markedCopy(now, asked, sent as string, mark, late);
    if (copied !== undefined) return copied;
    const c = (late && sent !== undefined ? (this.unanswered(now, asked, sent) ?? this.unnamed(now, asked, sent, tied)) : undefined) ?? this.find(now, asked, sent, false).c;
    const had = c.flags;
    const flags = PROCESSED | (approved ? SECURED : 0);
    // An original's answer is a copy of the booking counted when a repeat's answer was, or when its transmission's
    // answer was (a resend's, or the first send's late one).
    c.flags = !repeat && (had & (REPEATED | PROCESSED)) === 0 ? had | flags : had | flags | REPEATED;
    if (mark !== undefined && (c.flags & ~had) !== 0) {
      c.mark = mark;
      c.added = c.flags & ~had;
    }
    if (!repeat && (had & (REPEATED | PROCESSED)) === 0) return { processed: true, secured: approved };
    return { processed: (had & PROCESSED) === 0, secured: approved && (had & SECURED) === 0 };
  }

  /**
   * When an original's answer of transmission `sent` (field 7) under `asked` carries the `mark` (fields 37 and 38) of an
   * answer counted on a record of that transmission, it is the host's copy of that answer: nothing to add. A copy in
   * time (not `late`) is the answer of its request, the most recent record: the answer counted earlier, late, on an
   * older record (a reversed first send's, the oldest uncounted) was this one's, so its count moves here and the older
   * record is uncounted again (its own late approval, its own 38, still counts there). `undefined` when no such answer.
   */
  private markedCopy(now: number, asked: HeldTransaction, sent: string, mark: string, late: boolean): FreshAmounts | undefined {
    const list = this.byKey.get(asked.key);
    if (list === undefined) return undefined;
    // The first record of the transmission carrying the mark, and the transmission's most recent record.
    let o: Counted | undefined;
    let c: Counted | undefined;
    for (const one of list) {
      if (!sameTransaction(one.id, asked) || one.sent !== sent) continue;
      if (o === undefined && one.mark === mark) o = one;
      c = one;
    }
    if (o === undefined || c === undefined) return undefined;
    if (!late && c !== o && (c.flags & (PROCESSED | REPEATED)) === 0) {
      const added = o.added ?? 0;
      o.flags &= ~added;
      c.flags |= added;
      c.mark = mark;
      c.added = added;
      o.mark = undefined;
      o.added = undefined;
      this.renew(c, asked, sent, now);
    } else this.renew(o, asked, sent, now);
    return { processed: false, secured: false };
  }

  /**
   * Whether `answer` (a financial answer that matched no request: unsolicited) names a transaction written to the host
   * and still remembered (its field 7's transmission, when it has one; else the most recent) of which no answer was
   * counted, in time or late, nor a repeat's (with field 7, any record of that transmission: a reversed first send's,
   * whose resend's answer was counted): its request timed out, and this is its late answer. False for a copy of an
   * answer counted, and for a transaction not known here (never written, or forgotten). Nothing is remembered.
   * What its original sent (fields 3, 4 and 49) when so (`{}` when not known), `undefined` when not.
   */
  uncounted(answer: MessageInput): SentAmount | undefined {
    const now = this.now();
    this.expire(now);
    const asked = transactionIdentity(this.dialect, answer);
    const sent = answer['7'] === undefined ? undefined : this.sentOf(answer);
    const open = sent === undefined ? undefined : this.unanswered(now, asked, sent, false);
    if (open !== undefined) return open.asSent ?? { processingCode: undefined, amount: undefined };
    const list = this.byKey.get(asked.key) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const one = list[i]!;
      if (!sameTransaction(one.id, asked) || (sent !== undefined && one.sent !== undefined && one.sent !== sent)) continue;
      if ((one.flags & (PROCESSED | REPEATED)) !== 0) return undefined;
      return one.asSent ?? { processingCode: undefined, amount: undefined };
    }
    return undefined;
  }

  /** A reversal `message`'s answer, `accepted` or not: true when it undoes its original for the first time. */
  reversal(message: MessageInput, accepted: boolean): boolean {
    if (!accepted) return false;
    const named = this.originalNamed(message);
    const now = this.now();
    this.expire(now);
    const asked = transactionIdentity(this.dialect, message, originalStanOf(message));
    if (named !== undefined && this.reversedForgotten(asked, named)) return false; // its original forgotten reversed (fix66b F2)
    const c = this.find(now, asked, named?.sent, false, named?.local).c;
    if ((c.flags & REVERSED) !== 0) return false;
    c.flags |= REVERSED;
    return true;
  }

  /**
   * True when no record under `asked`'s key names the original `named` ({@link namesOriginal}) and the last of its
   * {@link FORGOTTEN_PER_KEY} records forgotten that did (by field 7, `sent`, and `local`) was reversed.
   */
  private reversedForgotten(asked: HeldTransaction, named: { sent?: string; local?: string }): boolean {
    const forgotten = this.forgottenSent.get(asked.key);
    if (forgotten === undefined || this.byKey.get(asked.key)?.some((one) => namesOriginal(one, asked, named.sent, named.local)) === true) return false;
    const f = forgotten.findLast((one) => sameTransaction(one.id, asked) && (named.sent === undefined || one.sent === named.sent) && (named.local === undefined || one.local === named.local));
    return f?.reversed === true;
  }

  /**
   * The oldest record under `asked`'s key of its transaction and transmission (`sent`, field 7 as the wire carries it)
   * of which no answer (nor a repeat's) was counted; `undefined` when none. `touch` (default): it is counted now (its
   * identity completed, its age and place in the memory renewed, as {@link find} does) at `now`.
   */
  private unanswered(now: number, asked: HeldTransaction, sent: string, touch = true): Counted | undefined {
    const c = this.byKey
      .get(asked.key)
      ?.find((one) => sameTransaction(one.id, asked) && (one.sent === undefined || one.sent === sent) && (one.flags & (PROCESSED | REPEATED)) === 0);
    if (c !== undefined && touch) this.renew(c, asked, sent, now);
    return c;
  }

  /**
   * A late answer of field 7 `sent` that names no record of `asked`'s transaction (a host that writes its own time in
   * field 7 rather than echoing the request's): the record of the transmission `tied` (the timed-out request the late
   * keys tied it to) when none of its answers was counted, else the oldest record of the transaction of which no answer
   * (nor a repeat's) was counted, as it is the late answer of a request still due (two such answers of two timed-out
   * requests are two bookings), else the most recent record of the transaction (every one counted: a copy adds
   * nothing), counted now (its own field 7 kept). `undefined` when a record of that transmission is remembered, or none
   * of the transaction, or when a record of the transaction of that field 7 was forgotten under the key (its late answer
   * counts as an unknown transaction's).
   */
  private unnamed(now: number, asked: HeldTransaction, sent: string, tied?: string): Counted | undefined {
    const list = this.byKey.get(asked.key);
    if (list === undefined || list.some((one) => one.sent === sent && sameTransaction(one.id, asked))) return undefined;
    if (this.forgottenSent.get(asked.key)?.some((f) => f.sent === sent && sameTransaction(f.id, asked)) === true) return undefined; // a forgotten record's: unknown
    const open = (one: Counted): boolean => (one.flags & (PROCESSED | REPEATED)) === 0 && sameTransaction(one.id, asked);
    const c =
      (tied === undefined ? undefined : list.find((one) => one.sent === tied && open(one))) ?? list.find(open) ?? list.findLast((one) => sameTransaction(one.id, asked));
    if (c !== undefined) this.renew(c, asked, undefined, now);
    return c;
  }

  /** `c` counted again at `now`: what it lacked of its identity taken from `asked`, of its transmission from `sent`. */
  private renew(c: Counted, asked: HeldTransaction, sent: string | undefined, now: number): void {
    c.id = { key: asked.key, acquirer: c.id.acquirer ?? asked.acquirer, card: c.id.card ?? asked.card };
    c.sent ??= sent;
    c.at = now;
    if (c === this.newest) return;
    this.unlink(c);
    this.append(c);
  }

  /**
   * The transaction `asked` names, as the most recently counted (a new one, nothing counted, when none is remembered),
   * counted at `now`; what it lacked of its identity (an acquirer, a card) is taken from `asked`. `sent`: its original's
   * transmission date and time, when known (an original's): a record of another original's is not this one. In one walk
   * of the key's list, the most recent first: `same` when the record found carries the same `sent` (field 7 as the wire
   * carries it, `''` when absent). `opening` (an original written): only such a record is the transaction (its original
   * sent again); else a new record opens, the most recent under its key. `local`: the original's local date and time
   * (field 12) a 1993 reversal names it by: a record of another original's is not it.
   */
  private find(now: number, asked: HeldTransaction, sent: string | undefined, opening: boolean, local?: string): { c: Counted; same: boolean } {
    let list = this.byKey.get(asked.key);
    let c: Counted | undefined;
    // An original written again after its transaction's reversal was accepted is booked anew (the bank undid the first
    // booking): it opens a record of its own, not a resend of the reversed one.
    const names = (one: Counted): boolean =>
      opening ? sameTransaction(one.id, asked) && one.sent === sent && (one.flags & REVERSED) === 0 : namesOriginal(one, asked, sent, local);
    for (let i = (list?.length ?? 0) - 1; i >= 0 && c === undefined; i--) if (names((list as Counted[])[i]!)) c = (list as Counted[])[i];
    const same = c !== undefined && sent !== undefined && c.sent === sent;
    if (c === undefined) {
      c = { id: asked, flags: 0, at: now, sent, local: undefined, asSent: undefined, mark: undefined, added: undefined, older: undefined, newer: undefined };
      if (list === undefined) this.byKey.set(asked.key, (list = []));
      list.push(c);
      if (list.length > this.perKey) this.dropOver(list);
      this.append(c);
    } else this.renew(c, asked, sent, now);
    if (this.remembered > this.cap) this.forget(this.oldest as Counted);
    return { c, same };
  }

  /**
   * What a reversal's original data elements name its original by, after its MTI and STAN: a 1987 reversal's field 90
   * the transmission date and time (field 7's 10 digits: `sent`), a 1993 one's field 56 the local date and time (field
   * 12's 12 digits: `local`), each as the wire carries it; `undefined` when it names none (no such field, all zeros: an
   * original without it), when the most recent transaction under the key is taken.
   */
  private originalNamed(message: MessageInput): { sent?: string; local?: string } | undefined {
    const edition = mtiText(message['0'])[0];
    if (edition !== '0' && edition !== '1') return undefined;
    const time = edition === '0' ? fieldText(message['90'])?.slice(10, 20) : fieldText(message['56'])?.slice(10, 22);
    if (time === undefined || !/^[0-9]+$/.test(time) || time.length !== (edition === '0' ? 10 : 12) || /^0+$/.test(time)) return undefined;
    return edition === '0' ? { sent: wireValue(this.dialect.fields['7'], time) } : { local: wireValue(this.dialect.fields['12'], time) };
  }

  /** Field 7 (transmission date and time) of `message` as the wire carries it: `''` when absent. */
  private sentOf(message: MessageInput): string {
    return wireValue(this.dialect.fields['7'], fieldText(message['7']));
  }

  /**
   * Over the per-key bound: forgets the oldest settled record of `list` (its answer or a repeat's counted), one whose
   * reversal was not counted first (else its next answer counts it again); all unanswered, the oldest past {@link UNANSWERED_PER_KEY}.
   */
  private dropOver(list: readonly Counted[]): void {
    const settled = list.find((one) => (one.flags & (PROCESSED | REPEATED)) !== 0 && (one.flags & REVERSED) === 0) ?? list.find((one) => (one.flags & (PROCESSED | REPEATED)) !== 0);
    if (settled !== undefined) this.forget(settled);
    else if (list.length > this.unansweredPerKey) {
      const dropped = list[0]!;
      this.forget(dropped);
      // The key is the transaction's `transactionKey`: its STAN (digits) then its terminal after the first '|'.
      const at = dropped.id.key.indexOf('|');
      this.onDrop?.({ stan: dropped.id.key.slice(0, at), terminal: dropped.id.key.slice(at + 1) });
    }
  }

  /** Forgets the transactions last counted more than the memory's age before `now` (the oldest are first). */
  private expire(now: number): void {
    while (this.oldest !== undefined && now - this.oldest.at > this.forgetAfter) this.forget(this.oldest);
  }

  /** `c` (in no list) as the most recently counted. */
  private append(c: Counted): void {
    c.older = this.newest;
    c.newer = undefined;
    if (this.newest === undefined) this.oldest = c;
    else this.newest.newer = c;
    this.newest = c;
    this.remembered++;
  }

  /** `c` out of the count order (its neighbours joined). */
  private unlink(c: Counted): void {
    if (c.older === undefined) this.oldest = c.newer;
    else c.older.newer = c.newer;
    if (c.newer === undefined) this.newest = c.older;
    else c.newer.older = c.older;
    c.older = undefined;
    c.newer = undefined;
    this.remembered--;
  }

  private forget(c: Counted): void {
    this.unlink(c);
    const list = this.byKey.get(c.id.key);
    const at = list?.indexOf(c) ?? -1;
    if (list === undefined || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) {
      this.byKey.delete(c.id.key);
      this.forgottenSent.delete(c.id.key);
    } else if (c.sent !== undefined) {
      let sents = this.forgottenSent.get(c.id.key);
      if (sents === undefined) this.forgottenSent.set(c.id.key, (sents = []));
      if (sents.push({ id: c.id, sent: c.sent, local: c.local, reversed: (c.flags & REVERSED) !== 0 }) > FORGOTTEN_PER_KEY) sents.shift();
    }
  }
}

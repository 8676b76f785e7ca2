// The model of money-repeats.ts's memory for its property test (money-repeats-model.test.ts): the implementation as it
// was before issue 10's cheaper structure (a Map by key, a Set in count order walked from its start to expire, evicting
// the least recently counted past the cap), kept verbatim but for `cap` (the count cap, a constructor argument here)
// and the per-key bounds (constructor arguments too, stated as plain counts, not as money-repeats.ts words them), so
// the new structure can be checked against the old one's answers over random sequences of operations.
import { performance } from 'node:perf_hooks';
import type { Dialect, MessageInput } from '@iso8583/codec';
import { fieldText, isRepeatMti, mtiText, originalStanOf, wireValue } from '../src/match-key.js';
import { sameTransaction, transactionIdentity } from '../src/transactions-in-flight.js';
import type { HeldTransaction } from '../src/transactions-in-flight.js';
import type { SentAmount } from '../src/late-keys.js';

/**
 * Most transactions whose counted amounts are remembered per connector (the least recently counted forgotten first):
 * far above what the age bound keeps at a busy connector's rate (600 tps for 4 × 30 s is 72 000).
 */
const COUNTED_TRANSACTIONS = 100_000;

/** Request timeouts (the connector's `requestTimeout`) after its last count that a transaction is remembered. */
const FORGET_TIMEOUTS = 4;

/** Most settled transactions remembered under one STAN and terminal, the oldest settled one dropped (money-repeats.ts). */
const PER_KEY = 8;

/** Most unanswered transactions remembered under one STAN and terminal, the oldest unanswered one dropped. */
const UNANSWERED_PER_KEY = 256;

/** What of a transaction was counted: its answer (`processed`), an approval (`secured`), an accepted reversal. */
const PROCESSED = 1;
const SECURED = 2;
const REVERSED = 4;
/** A repeat's answer was counted: the original's answer (late, or on another connection) is then a copy of the same booking. */
const REPEATED = 8;

/** What a financial answer adds to the figures: its `processed` amount, its `secured` one (with the refund). */
interface FreshAmounts {
  readonly processed: boolean;
  readonly secured: boolean;
}

/**
 * One transaction counted: its identity, what of it was counted, when last (`performance.now()`), and the transmission
 * date and time (field 7 as the wire carries it, `''` when absent) of its original, once written or answered.
 */
interface Counted {
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
  /** What that answer added to {@link flags} (taken back when it proves another record's: {@link MoneyRepeats.financial}). */
  added?: number;
}

/** Fields 37 and 38 of `answer` as one text; `undefined` when both are absent or blank (no mark to tell a copy by). */
function markOf(answer: MessageInput | undefined): string | undefined {
  const reference = fieldText(answer?.['37'])?.trim() ?? '';
  const approval = fieldText(answer?.['38'])?.trim() ?? '';
  return reference === '' && approval === '' ? undefined : `${reference}|${approval}`;
}

/** The transactions counted (see the file's note). */
export class MoneyRepeatsModel {
  /** The transactions counted by transaction key (STAN and terminal), the most recent last. */
  private readonly byKey = new Map<string, Counted[]>();
  /** Every transaction counted, least recently counted first (one counted again moves to the end). */
  private readonly order = new Set<Counted>();
  /** Milliseconds a transaction is remembered after its last count. */
  private readonly forgetAfter: number;
  /** Every record forgotten with a field 7, oldest first, while records of its key are still remembered. */
  private readonly forgottenLog: { key: string; sent: string; local?: string; id: HeldTransaction; reversed: boolean }[] = [];

  /**
   * `dialect`: the connector's, whose fields 11, 41 and 32 say how a STAN, a terminal and an acquirer look on the wire;
   * `requestTimeout`: the connector's (default 30 000 ms), of which {@link FORGET_TIMEOUTS} are the memory's age;
   * `now`: the clock (default `performance.now`).
   */
  constructor(
    private readonly dialect: Pick<Dialect, 'fields'>,
    requestTimeout = 30_000,
    private readonly now: () => number = () => performance.now(),
    private readonly cap = COUNTED_TRANSACTIONS,
    private readonly perKey = PER_KEY,
    private readonly unansweredPerKey = UNANSWERED_PER_KEY,
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
    const { c, same } = this.find(transactionIdentity(this.dialect, message), this.sentOf(message), true);
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
   */
  financial(mti: string, keyed: MessageInput, approved: boolean, late = false, answer?: MessageInput): FreshAmounts {
    const repeat = isRepeatMti(mti);
    // An original's answer is its own transmission's (field 7): another original's late answer under a STAN used again
    // is another transaction's. A late answer without field 7 (a bank not echoing it) names no transmission: it is the
    // most recent of its transaction's (else it would open a record of its own and count the booking again).
    const sent = repeat || keyed['7'] === undefined ? undefined : this.sentOf(keyed);
    const asked = transactionIdentity(this.dialect, keyed);
    const mark = sent === undefined ? undefined : markOf(answer);
    const copied = mark === undefined ? undefined : this.markedCopy(asked, sent as string, mark, late);
    if (copied !== undefined) return copied;
    const c = (late && sent !== undefined ? (this.unanswered(asked, sent) ?? this.unnamed(asked, sent)) : undefined) ?? this.counted(asked, sent);
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
  private markedCopy(asked: HeldTransaction, sent: string, mark: string, late: boolean): FreshAmounts | undefined {
    const now = this.now();
    this.expire(now);
    const list = this.byKey.get(asked.key) ?? [];
    const same = list.filter((one) => sameTransaction(one.id, asked) && one.sent === sent);
    const o = same.find((one) => one.mark === mark);
    if (o === undefined) return undefined;
    const c = same[same.length - 1]!;
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
    this.expire(this.now());
    const asked = transactionIdentity(this.dialect, answer);
    const sent = answer['7'] === undefined ? undefined : this.sentOf(answer);
    const open = sent === undefined ? undefined : this.unanswered(asked, sent, false);
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
    const asked = transactionIdentity(this.dialect, message, originalStanOf(message));
    this.expire(this.now());
    // No record of the key names the original, and the last of its 8 last forgotten that did was reversed: a repeat
    // of a reversal counted (fix66b F2).
    if (named !== undefined) {
      const names = (one: { id: HeldTransaction; sent?: string; local?: string }, loose: boolean): boolean =>
        sameTransaction(one.id, asked) &&
        (named.sent === undefined || (loose && one.sent === undefined) || one.sent === named.sent) &&
        (named.local === undefined || (loose && one.local === undefined) || one.local === named.local);
      const forgotten = this.forgottenLog.filter((f) => f.key === asked.key).slice(-8);
      if (!(this.byKey.get(asked.key) ?? []).some((one) => names(one, true)) && forgotten.findLast((f) => names(f, false))?.reversed === true) return false;
    }
    const c = this.find(asked, named?.sent, false, named?.local).c;
    if ((c.flags & REVERSED) !== 0) return false;
    c.flags |= REVERSED;
    return true;
  }

  /**
   * The oldest record under `asked`'s key of its transaction and transmission (`sent`, field 7 as the wire carries it)
   * of which no answer (nor a repeat's) was counted; `undefined` when none. `touch` (default): it is counted now (its
   * identity completed, its age and place in the memory renewed, as {@link find} does).
   */
  private unanswered(asked: HeldTransaction, sent: string, touch = true): Counted | undefined {
    const now = this.now();
    this.expire(now);
    const c = this.byKey
      .get(asked.key)
      ?.find((one) => sameTransaction(one.id, asked) && (one.sent === undefined || one.sent === sent) && (one.flags & (PROCESSED | REPEATED)) === 0);
    if (c !== undefined && touch) this.renew(c, asked, sent, now);
    return c;
  }

  /**
   * A late answer of field 7 `sent` naming no record of `asked`'s transaction (a host writing its own time): the oldest
   * record of the transaction of which no answer (nor a repeat's) was counted, else its most recent, counted now;
   * `undefined` when a record of that transmission is remembered, or none of the transaction.
   */
  private unnamed(asked: HeldTransaction, sent: string): Counted | undefined {
    const now = this.now();
    this.expire(now);
    const list = this.byKey.get(asked.key) ?? [];
    if (list.some((one) => sameTransaction(one.id, asked) && one.sent === sent)) return undefined;
    // One of the last 8 records of the key forgotten while others are remembered carried it, of the same transaction (its
    // acquirer and card too): a forgotten transaction's.
    if (this.forgottenLog.filter((f) => f.key === asked.key).slice(-8).some((f) => f.sent === sent && sameTransaction(f.id, asked))) return undefined;
    const c = list.find((one) => sameTransaction(one.id, asked) && (one.flags & (PROCESSED | REPEATED)) === 0) ?? list.findLast((one) => sameTransaction(one.id, asked));
    if (c !== undefined) this.renew(c, asked, undefined, now);
    return c;
  }

  /** `c` counted again at `now`: what it lacked of its identity taken from `asked`, of its transmission from `sent`. */
  private renew(c: Counted, asked: HeldTransaction, sent: string | undefined, now: number): void {
    c.id = { key: asked.key, acquirer: c.id.acquirer ?? asked.acquirer, card: c.id.card ?? asked.card };
    c.sent ??= sent;
    c.at = now;
    this.order.delete(c);
    this.order.add(c);
  }

  /**
   * The transaction `asked` names, as the most recently counted (a new one, nothing counted, when none is remembered);
   * what it lacked of its identity (an acquirer, a card) is taken from `asked`. `sent`: its original's transmission date
   * and time, when known (an original's): a record of another original's is not this one. Forgets what is past its age
   * first.
   */
  private counted(asked: HeldTransaction, sent?: string): Counted {
    return this.find(asked, sent, false).c;
  }

  /**
   * {@link counted}, in one walk of the key's list, the most recent first: `same` when the record found carries the
   * same `sent` (field 7 as the wire carries it, `''` when absent). `opening` (an original written): only such a record
   * is the transaction (its original sent again); else a new record opens, the most recent under its key. `local`: the
   * original's local date and time (field 12) a 1993 reversal names it by: a record of another original's is not it.
   */
  private find(asked: HeldTransaction, sent: string | undefined, opening: boolean, local?: string): { c: Counted; same: boolean } {
    const now = this.now();
    this.expire(now);
    let list = this.byKey.get(asked.key);
    let c: Counted | undefined;
    // An original written again after its transaction's reversal was accepted is booked anew (the bank undid the first
    // booking): it opens a record of its own, not a resend of the reversed one.
    const names = (one: Counted): boolean =>
      sameTransaction(one.id, asked) &&
      (opening
        ? one.sent === sent && (one.flags & REVERSED) === 0
        : (sent === undefined || one.sent === undefined || one.sent === sent) && (local === undefined || one.local === undefined || one.local === local));
    for (let i = (list?.length ?? 0) - 1; i >= 0 && c === undefined; i--) if (names((list as Counted[])[i]!)) c = (list as Counted[])[i];
    const same = c !== undefined && sent !== undefined && c.sent === sent;
    if (c === undefined) {
      c = { id: asked, flags: 0, at: now, ...(sent === undefined ? {} : { sent }) };
      if (list === undefined) this.byKey.set(asked.key, (list = []));
      list.push(c);
      // Stated as counts: no more than `unansweredPerKey` unanswered (the oldest of them dropped), then no more than
      // `perKey` in all while a settled one (an answer counted) is there to drop, the oldest settled first, one whose
      // reversal was not counted before any whose was (a stable sort).
      const open = list.filter((one) => (one.flags & (PROCESSED | REPEATED)) === 0);
      if (open.length > this.unansweredPerKey) this.forget(open[0]!);
      const settled = list.filter((one) => (one.flags & (PROCESSED | REPEATED)) !== 0).sort((a, b) => (a.flags & REVERSED) - (b.flags & REVERSED));
      if (list.length > this.perKey && settled.length > 0) this.forget(settled[0]!);
      this.order.add(c);
    } else this.renew(c, asked, sent, now);
    if (this.order.size > this.cap) this.forget(this.order.values().next().value as Counted);
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

  /** Forgets the transactions last counted more than the memory's age before `now` (the oldest are first). */
  private expire(now: number): void {
    for (const c of this.order) {
      if (now - c.at <= this.forgetAfter) return;
      this.forget(c);
    }
  }

  private forget(c: Counted): void {
    this.order.delete(c);
    const list = this.byKey.get(c.id.key);
    const at = list?.indexOf(c) ?? -1;
    if (list === undefined || at < 0) return;
    list.splice(at, 1);
    if (c.sent !== undefined) this.forgottenLog.push({ key: c.id.key, sent: c.sent, local: c.local, id: c.id, reversed: (c.flags & REVERSED) !== 0 });
    if (list.length > 0) return;
    this.byKey.delete(c.id.key);
    for (let i = this.forgottenLog.length - 1; i >= 0; i--) if (this.forgottenLog[i]!.key === c.id.key) this.forgottenLog.splice(i, 1);
  }
}

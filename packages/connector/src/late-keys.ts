/**
 * The match keys whose requests timed out or were answered on the connections of one connector (shared by its
 * channels: the host may answer, or copy an answer, on another connection of the pool), to tell a stale answer (a
 * timed-out request's late answer, the host's duplicate of an answered request's) from the answer of a request that
 * reused the key: the field 7 (transmission date and time, an echoed field) each such request sent. See "A late
 * answer and a reused key" in docs/connector.md.
 */
import { performance } from 'node:perf_hooks';
import { responseMti } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import { digestOf } from './answer-marks.js';
import { ANSWERED_KEYS, AnswerRing, copyTaken, transactionText } from './answered-ring.js';
import type { Copy, Transaction } from './answered-ring.js';
import { answersMti, sameStanAndTerminal, tied } from './match-key.js';
import { amountOf } from './socketqueue-figures.js';

/**
 * Most timed-out keys remembered to recognise late responses (the oldest forgotten first), per connection the
 * connector has had open at once ({@link LateKeys.fit}, at most {@link LATE_KEYS_CONNECTIONS}): one connector's keys,
 * shared by its connections, hold as many per connection as one connection's did.
 */
export const LATE_KEYS = 1024;

/**
 * Most connections the late keys are sized for ({@link LateKeys.fit}), whatever `pool.max` (up to 1000): 16384
 * timed-out keys and 65536 answers at most, about 46 MiB of one connector's heap when all are held (about 2.9 MiB a
 * connection's worth); a pool wider than this shares them.
 */
export const LATE_KEYS_CONNECTIONS = 16;

/** Most field 7 values remembered per timed-out key (the newest kept). */
const LATE_ECHOES = 8;

export { ANSWERED_KEYS, type Copy };

/** What an answer under a key a request waits under is, when it is not that request's: see {@link LateKeys.stale}. */
export type StaleAnswer = 'late' | 'duplicate';

/**
 * What a request sent that its late answer is judged against, for the money figures (accounting.ts `late`): its
 * processing code (field 3), amount (field 4) and currency (field 49), as the caller gave them, and its MTI (an
 * original's or a repeat's answer count differently: money-repeats.ts); `undefined` when absent.
 */
export interface SentAmount {
  /** The request MTI (`0200`, `0201` ...); `undefined`: not known (the answer's class is taken, as an original's). */
  readonly mti?: string;
  readonly processingCode: MessageInput[string] | undefined;
  readonly amount: MessageInput[string] | undefined;
  /** The request's currency (field 49; default `undefined`, none): an approved amount in another counts not (`amountKept`). */
  readonly currency?: MessageInput[string];
  /**
   * The field 7 the request sent (as the wire carries it; `undefined`: none, or not known): the transmission a late
   * answer that echoes no field 7 is counted for (money-repeats.ts), once the late keys have taken it for that request's.
   */
  readonly echo7?: string;
  /**
   * The request's STAN and terminal (fields 11 and 41 as the caller gave them; `undefined` when absent): what a late
   * answer lacking them is given before the reversals see it (match-key.ts `withRequestTransaction`).
   */
  readonly stan?: MessageInput[string];
  readonly terminal?: MessageInput[string];
}

/**
 * A key whose request timed out: when, the field 7 (`echo7`) of each request timed out under it with what that request
 * sent as fields 3 and 4 (`sent`, in step with `echoes`), and what the last of them sent (`last`: for an answer that
 * echoes no field 7 it names, or a request that sent none). Field 4 is kept as minor units: a small number takes no
 * memory of its own.
 */
interface LateKey {
  /** `performance.now()` of the last timeout under the key. */
  at: number;
  /** The timed-out requests' `echo7` values (those that had one) whose late answer has not come: it echoes one of them. */
  readonly echoes: string[];
  /** What the request of each of `echoes` sent, at the same place. */
  readonly sent: SentAmount[];
  /**
   * The answers ring's `written` count when the request of each of `echoes` timed out (its first timeout), at the same
   * place: a late answer taken before it is no late answer of that request ({@link LateKeys.lateAnswer}).
   */
  readonly due: number[];
  /** What the last request timed out under the key sent. */
  last: SentAmount;
  /** The answers ring's `written` count when the last request timed out under the key. */
  lastDue: number;
  /**
   * The `echo7` values taken from `echoes` as their late answer came while a request reusing the key waited (the key
   * stays remembered then): a further copy of such an answer is the host's duplicate, counted once.
   */
  came?: string[];
  /**
   * Digests (answer-marks.ts `digestOf`) of the late answers that named no field 7 of `echoes` (a bank that does not echo it)
   * taken from them while others stayed: a further copy of such an answer is the host's duplicate, not another's.
   */
  bare?: string[];
  /**
   * Requests of more than one STAN or terminal timed out under the key, or one of another was answered under it (in
   * time: {@link LateKeys.answered}): a late answer is tied to one by field 7 only.
   */
  mixed?: boolean;
  /** Field 7 values two transactions sent under the key (the later took the earlier's place): they tie to neither. */
  clashed?: string[];
}

/** True when `answer` ({@link LateKeys.lateAnswer}'s) names what a timed-out request sent: a late answer, not a copy. */
export function isSent(answer: SentAmount | Copy | undefined): answer is SentAmount {
  return typeof answer === 'object';
}

/** True when one response MTI answers both timed-out requests (a `0200` and its repeat `0201`), or either MTI is unknown. */
function sameClass(a: SentAmount, b: SentAmount): boolean {
  return a.mti === undefined || b.mti === undefined || responseMti(a.mti) === responseMti(b.mti);
}

/** True when `mti` (a received field 0) is of the answer class of the request that sent `sent` (any: its MTI unknown). */
function answers(sent: SentAmount, mti: unknown): boolean {
  return sent.mti === undefined || answersMti(sent.mti, mti);
}

/**
 * What `known`'s timed-out request whose answer `message` is sent: the one of its answer class that sent its field 7;
 * for a field 7 none of them sent (or none), the one of its answer class that sent the amount it echoes (field 4; the
 * last one first, then the newest), else the last one, else the newest of them, whose answer class it is (a host that
 * does not echo field 7, a 0200 and its 0400 timed out under one key): each answer is then judged against its own
 * request's amount (accounting.ts `late`), not another's. `undefined`: it answers none of them (an 0810, or the host's
 * copy of a reversal's 0410, under a timed-out 0200's STAN and terminal). `'copy'`: it is the host's copy of such an
 * answer taken already (`bare`): one with field 37 or 38, whatever its amount; one without, when no request still due
 * sent its amount (answers that differ in nothing cannot be told apart: the request due has it).
 */
function sentAnswered(known: LateKey, message: IsoMessage): SentAmount | 'copy' | undefined {
  const echoed = message['7'];
  const mti = message['0'];
  if (typeof echoed === 'string' && known.echoes.includes(echoed)) {
    const at = echoAt(known, echoed, mti);
    return at >= 0 ? known.sent[at] : undefined;
  }
  // The same answer as one that named none of them, taken already. With a retrieval reference or an approval code
  // (fields 37, 38: each booking's own), the host's copy of it: no other one's answer, whatever its amount. Without
  // them, two bookings of equal amounts answer alike: it is the answer of a request still due that sent its amount, if
  // any (taking a real approval for a copy leaves a booking uncounted, never reversed again; the other way, a copy
  // counted costs a reversal the host answers 25), else the copy.
  const same = known.bare?.includes(digestOf(message)) === true;
  if (same && (message['37'] !== undefined || message['38'] !== undefined)) return 'copy';
  const amount = amountOf(message['4']);
  const echoing = (s: SentAmount): boolean => answers(s, mti) && amount !== 0 && s.amount === amount;
  if (echoing(known.last)) return known.last;
  for (let i = known.sent.length - 1; i >= 0; i--) if (echoing(known.sent[i]!)) return known.sent[i];
  if (same) return 'copy';
  if (answers(known.last, mti)) return known.last;
  for (let i = known.sent.length - 1; i >= 0; i--) if (answers(known.sent[i]!, mti)) return known.sent[i];
  return undefined;
}

/** The place in `known.echoes` of `echoed` sent by a request `mti` answers (any, when `mti` is not given); -1: none. */
function echoAt(known: LateKey, echoed: string, mti?: unknown): number {
  return known.echoes.findIndex((e, i) => e === echoed && (mti === undefined || answers(known.sent[i]!, mti)));
}

/** The timed-out and answered keys of one connector (its channels'). */
export class LateKeys {
  private readonly keys = new Map<string, LateKey>();
  /** Most timed-out keys remembered: {@link LATE_KEYS} per connection ({@link LateKeys.fit}). */
  private lateKeys = LATE_KEYS;
  /** The last answers (those without field 7 by their transaction only; {@link ANSWERED_KEYS} per connection): answered-ring.ts. */
  private readonly ring: AnswerRing;

  /**
   * True when the match key names fields 11 and 41: every request under a key is then of one transaction (the same
   * STAN and terminal on the wire), so an answer without field 7 need not be kept in the ring for its transaction
   * ({@link LateKeys.answered}): it would tell nothing, and would push out the copy marks of answers with field 7.
   */
  private readonly keysTransaction: boolean;

  /**
   * @param dialect The connector's dialect: transactions (fields 11 and 41) are compared as it puts them on the wire
   * (match-key.ts `sameStanAndTerminal`), the caller's `'T1'` its reversal's `'T1      '`.
   * @param keyFields The match key's fields (match-key.ts `MatchKey.fields`; default none known: every answer without
   * field 7 is kept for its transaction, as for a key without field 41).
   */
  constructor(
    private readonly dialect: Pick<Dialect, 'fields'>,
    keyFields: readonly string[] = [],
  ) {
    this.keysTransaction = keyFields.includes('11') && keyFields.includes('41');
    this.ring = new AnswerRing(dialect);
  }

  /**
   * Sizes the bounds for `connections` connections open at once (each channel says so as it opens: channel.ts, the
   * connector's open ones, itself among them, up to its `pool.max`): {@link LATE_KEYS} timed-out keys and
   * {@link ANSWERED_KEYS} answers per connection, as one connection's own held before its connector's were shared, for
   * at most {@link LATE_KEYS_CONNECTIONS} connections (a `pool.max` of 1000 with one connection open holds one's); never
   * smaller than they are (default, before any call: one connection's). Memory grows with the keys and answers only:
   * an idle connector holds none.
   */
  fit(connections: number): void {
    const n = Math.min(connections, LATE_KEYS_CONNECTIONS);
    this.lateKeys = Math.max(this.lateKeys, LATE_KEYS * n);
    this.ring.size = Math.max(this.ring.size, ANSWERED_KEYS * n);
  }

  /**
   * Remembers that a request under `key` timed out, with the field 7 it sent (`undefined`: none, or a repeat) and its
   * fields 3 and 4 (`sent`; default none), which its late answer counts when it does not echo them.
   */
  timedOut(key: string, echo7: string | undefined, sent?: SentAmount): void {
    const known = this.keys.get(key);
    const amount = amountOf(sent?.amount);
    const last: SentAmount = {
      mti: sent?.mti,
      processingCode: sent?.processingCode,
      amount: amount === 0 ? undefined : amount,
      ...(sent?.currency === undefined ? {} : { currency: sent.currency }),
      ...(echo7 === undefined ? {} : { echo7 }),
      ...(sent?.stan === undefined ? {} : { stan: sent.stan }),
      ...(sent?.terminal === undefined ? {} : { terminal: sent.terminal }),
    };
    const echoes = known?.echoes ?? [];
    const sents = known?.sent ?? [];
    const due = known?.due ?? [];
    const now = this.ring.written;
    // The same request again (a repeat of the field 7): its place; a request of another class that sent the same field 7
    // (a reversal copying its original's) takes a place of its own, each late answer then told by its class.
    const at = echo7 === undefined ? -1 : echoes.findIndex((e, i) => e === echo7 && sameClass(sents[i]!, last));
    let clashed = known?.clashed;
    if (at >= 0) {
      if (!sameStanAndTerminal(this.dialect, sents[at]!, last) && clashed?.includes(echo7!) !== true) clashed = [...(clashed ?? []), echo7!].slice(-LATE_ECHOES);
      sents[at] = last;
    } else if (echo7 !== undefined) {
      echoes.push(echo7);
      sents.push(last);
      due.push(now);
      if (echoes.length > LATE_ECHOES) {
        echoes.shift();
        sents.shift();
        due.shift();
      }
    }
    // Another transaction's request under the key timed out, or was answered (the host's copy of its answer is then no
    // late answer of this one for certain).
    const mixed =
      (known !== undefined && (known.mixed === true || [known.last, ...sents].some((s) => !sameStanAndTerminal(this.dialect, s, last)))) ||
      this.ring.answeredOther(key, transactionText(this.dialect, last));
    this.keys.set(key, { at: performance.now(), echoes, sent: sents, due, last, lastDue: now, came: known?.came, bare: known?.bare, mixed, clashed });
    if (this.keys.size > this.lateKeys) {
      const oldest = this.keys.keys().next();
      if (oldest.done !== true) this.keys.delete(oldest.value);
    }
  }

  /**
   * Remembers that a request under `key` that sent `echo7` as its field 7 was answered with `answer` (its transaction
   * only, as `sent` says, when `echo7` is `undefined`): a copy of that answer (the same in every field of answer-marks.ts
   * `answerMark`) that comes while a request reusing the key waits, or with none waiting, is then the host's duplicate. `sent`: the request's STAN and
   * terminal (default: not known): a request of another transaction answered under a key a request timed out under
   * leaves no late answer tied to the timed-out one for certain but by its field 7 (the host's copy of the other's
   * answer is no late answer of it: `mixed`), and so does one answered before the timeout (the ring keeps it).
   */
  answered(key: string, echo7: string | undefined, answer: IsoMessage, sent?: Transaction): void {
    // An answer to a request without field 7 is kept for its transaction only (field 7 '' and no mark: no copy of it
    // is told by it, answered-ring.ts `copyOf`): a request of another transaction answered under the key all the same.
    // Not with a match key naming fields 11 and 41: every request under the key is of its transaction (`keysTransaction`): no text kept.
    if (echo7 !== undefined) this.ring.answeredInTime(key, echo7, answer, sent === undefined || this.keysTransaction ? '' : transactionText(this.dialect, sent));
    else if (sent !== undefined && !this.keysTransaction) this.ring.remember(key, '', '', transactionText(this.dialect, sent));
    const known = this.keys.get(key);
    if (known !== undefined && sent !== undefined && [known.last, ...known.sent].some((s) => !sameStanAndTerminal(this.dialect, s, sent))) known.mixed = true;
  }

  /**
   * Remembers `message`, under `key`, that came with no request waiting for it and is no copy: a late answer (`late`)
   * or one offered as an unsolicited approval. Its copy is then the host's duplicate, never a late approval again,
   * for as long as an answer in time is remembered: one with field 7 as an answer is (answer-marks.ts `answerMark`), one
   * without (a bank that echoes none) only when late, by its whole content (answer-marks.ts `digestOf`), as the late keys took it.
   * `sent` (default none): what its timed-out request sent (`lateAnswer`, `lateCame`): echoing that field 7, its copy is
   * a copy even for a request timed out since (`lateAnswer`), and so, not `late`, is one of its transaction (sr65i #1);
   * with the host's own field 7 not (sr65e #1, a known limit; answered-ring.ts `took`).
   */
  took(key: string, message: IsoMessage, late: boolean, sent?: SentAmount): void {
    if (typeof message['7'] === 'string') this.ring.took(key, message, message['7'], late, sent?.echo7);
    else if (late) this.ring.remember(key, '', digestOf(message));
  }

  /** True when a request under `key` timed out (and its late answer has not come while nothing waited under it). */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Forgets `key`: its late answer came. */
  forget(key: string): void {
    this.keys.delete(key);
  }

  /**
   * `message`, under `key`, came with no request of its class waiting under the key: what its timed-out request sent
   * (picked by the echoed field 7, else the last request's) when it is that request's late answer (the key is then
   * forgotten, unless another request timed out under it still waits for its own), `undefined` when it is not: no
   * request under the key timed out, it is of no timed-out request's answer class (match-key.ts `answersMti`: an 0810
   * or a 0410 under a timed-out 0200's key, with a `matchKey` without field 0; the key stays for the 0210 still due),
   * or it is a copy of a late answer that came already (its field 7 that one's). `'copy'`: the host's copy of a late
   * answer without field 7 taken already under the key (its whole content that one's): no request's answer, and no
   * late approval to offer the reversals (channel.ts passes it on as a copy); `'unsolicited-copy'`: see {@link Copy}.
   */
  lateAnswer(key: string, message: IsoMessage): SentAmount | Copy | undefined {
    const known = this.keys.get(key);
    if (known === undefined) return undefined;
    const echoed = message['7'];
    if (typeof echoed === 'string' && known.came?.includes(echoed) === true && !known.echoes.includes(echoed)) return undefined;
    // The host's copy of an answer in time under the key echoing a field 7 no timed-out request sent, or of a late answer
    // that echoed its own request's field 7, or of one that matched no request (of its transaction, sr65i #1), taken
    // before every request still due under the key timed out: no late answer of one (it would use up the key, and the
    // timed-out request's real late answer would find none). Not an answer taken since, nor a late answer whose field 7 was the host's own (not its request's): a
    // host stamping its own time in field 7 gives two requests' genuine late approvals one field 7 (known limit: the
    // host's copy of such an approval is then the late answer of a request timed out since, sr65e #1).
    const copy = typeof echoed === 'string' && !known.echoes.includes(echoed) ? copyTaken(this.ring.copyOf(key, message, Math.min(known.lastDue, ...known.due))) : undefined;
    const found = copy ?? sentAnswered(known, message);
    if (found === undefined || typeof found === 'string') return found;
    // Its request's STAN and terminal go with it only when the tie is certain (match-key.ts `withRequestTransaction`).
    const sent = tied(found, known.mixed !== true || (typeof echoed === 'string' && known.echoes.includes(echoed) && known.clashed?.includes(echoed) !== true));
    // Another request timed out under the key and its late answer has not come: the key stays, this answer's field 7
    // taken from it (a copy is the host's duplicate); the last one's answer forgets the key.
    if (typeof echoed === 'string' && known.echoes.includes(echoed)) {
      if (known.echoes.length > 1) return this.lateCame(key, echoed, message['0']);
    } else if (known.echoes.length > 1) {
      // An answer that names none of them (a bank that echoes no field 7) is one of them, the one `sentAnswered` took:
      // that one's place goes, the key stays for the others' late answers (else they would come as unsolicited).
      const at = known.sent.indexOf(found);
      if (at >= 0) {
        known.echoes.splice(at, 1);
        known.sent.splice(at, 1);
        known.due.splice(at, 1);
        known.last = known.sent[known.sent.length - 1]!;
        if ((known.bare ??= []).push(digestOf(message)) > LATE_ECHOES) known.bare.shift();
        return sent;
      }
    }
    this.keys.delete(key);
    return sent;
  }

  /**
   * The late answer (`stale` said `'late'`) under `key`, with field 7 `echoed`, came while a request reusing the key
   * waits: what its timed-out request sent (the one of `mti`'s answer class, when two sent that field 7). Its field 7
   * is no longer a late answer's: a copy is the host's duplicate.
   */
  lateCame(key: string, echoed: string, mti?: unknown): SentAmount | undefined {
    const known = this.keys.get(key);
    if (known === undefined) return undefined;
    const at = echoAt(known, echoed, mti);
    const sent = at >= 0 ? tied(known.sent[at]!, known.clashed?.includes(echoed) !== true) : tied(known.last, known.mixed !== true);
    if (at >= 0) {
      known.echoes.splice(at, 1);
      known.sent.splice(at, 1);
      known.due.splice(at, 1);
    }
    const came = (known.came ??= []);
    if (!came.includes(echoed) && came.push(echoed) > LATE_ECHOES) came.shift();
    return sent;
  }

  /**
   * What `message`, under `key` with a request waiting that sent `waiting` as its field 7, is when it is not that
   * request's answer (a positive match only): `'late'`, the late answer of an earlier request under the key that timed
   * out, of its answer class (match-key.ts `answersMti`); `'duplicate'`, the host's copy of the answer of an earlier
   * request under the key that was answered (one of the key's newest answers, late answers and approvals taken among
   * them: {@link LateKeys.took}), or one echoing the field 7 of a timed-out request of another class. Either
   * way the answer's field 7 equals the one that earlier request sent and differs from `waiting`. `undefined`: the
   * waiting request's answer, as anything else is: one without field 7 (`waiting` undefined: a repeat, a SAF attempt),
   * an answer without field 7 or with a field 7 no such request sent (a host that writes its own time rather than
   * echoing). The keys stay remembered while a request waits: a second stale answer is told apart too, and a copy of
   * a late answer that came ({@link lateCame}) is a `'duplicate'`.
   */
  stale(key: string, waiting: string | undefined, message: IsoMessage): StaleAnswer | undefined {
    if (waiting === undefined) return undefined;
    const echoed = message['7'];
    if (typeof echoed !== 'string' || echoed === waiting) return undefined;
    const known = this.keys.get(key);
    if (known !== undefined && echoAt(known, echoed, message['0']) >= 0) return 'late';
    // A field 7 a timed-out request of another class sent (a reversal copying its original's): no late answer to it,
    // whose own is still due, nor the waiting request's; the copy of an earlier answer under the key.
    if (known?.echoes.includes(echoed) === true || known?.came?.includes(echoed) === true) return 'duplicate';
    // The field 7 a request answered under the key sent (or a late answer or approval taken under it carried: the key's
    // newest few, answered-ring.ts): not the waiting request's answer, whatever its fields.
    return this.ring.hasEcho(key, echoed) ? 'duplicate' : undefined;
  }

  /**
   * What `message`, under `key`, is when the host's copy of an answer under the key ({@link Copy}), else `undefined` (among the connector's last
   * {@link ANSWERED_KEYS} answers per connection, the key's newest few: answered-ring.ts): of one in time, its
   * answer-marks.ts `answerMark` that answer's, its field 7 the one that request sent; of a late answer or an unsolicited
   * approval taken ({@link LateKeys.took}), the same. `undefined` for an answer without field 7 but as the copy of a late
   * answer without it (a host that echoes none: a copy cannot be told from the late answer of an older request under
   * the key), or with another field 7, or any other field that differs (the late answer the late keys forgot of an
   * earlier request that sent the same field 7: a 0200 whose repeat, answered in time, is an exact copy of it; a
   * reversal copying its original's field 7).
   */
  copyOfAnswer(key: string, message: IsoMessage): Copy | undefined {
    return copyTaken(this.ring.copyOf(key, message));
  }
}

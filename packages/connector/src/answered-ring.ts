/**
 * The last answers under the match keys of one connector (late-keys.ts): each one's key, the field 7 its request sent,
 * its mark and the transaction (STAN and terminal) its request was, in a ring, to tell the host's copy of an answer
 * from the answer of a request that reused the key, and to know that another transaction was answered under a key.
 */
import { DictionaryMap } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import { answerMark, digestOf } from './answer-marks.js';
import { transactionKey } from './match-key.js';
import { transactionIdentity } from './transactions-in-flight.js';

/**
 * Answers remembered, each by its key with the field 7 its request sent (the oldest forgotten first), per connection
 * the connector has had open at once (late-keys.ts `fit`, at most `LATE_KEYS_CONNECTIONS`): the host's duplicate of an
 * answer is told from the answer of a request that reused the key while the key is remembered. The keys of the last
 * 4096 answers a connection (a key answered again takes the newest place, its earlier answers still in the ring found
 * from it: {@link ANSWERS_PER_KEY}). Late answers and unsolicited approvals taken count too (late-keys.ts `took`).
 */
export const ANSWERED_KEYS = 4096;

/** Most answers under one key a copy is compared with (the newest first): a few, not a walk of the whole ring. */
const ANSWERS_PER_KEY = 8;

/** How an answer in the ring was taken (late-keys.ts `answered`, `took`). */
export const Taken = {
  /** A late answer or approval taken whose field 7 no request it answers sent (the host's own, maybe its time). */
  Other: 0,
  /** An answer in time: its field 7 one its request sent. */
  InTime: 1,
  /** A late answer taken echoing its timed-out request's field 7. */
  Echoed: 2,
  /**
   * An answer that matched no request taken (an unsolicited approval, a stale duplicate offered as one): its mark
   * carries its transaction's identity ({@link AnswerRing.markOf}), so that only the host's copy of it is told by it.
   */
  Unsolicited: 3,
} as const;
/** One of {@link Taken}'s values. */
export type Taken = (typeof Taken)[keyof typeof Taken];

/**
 * What an answer no request waits for is when it is the host's copy of one taken already (late-keys.ts `lateAnswer`,
 * `copyOfAnswer`): `'copy'`, of an answer matched to a request (in time, or a late answer tied to its own) or of a
 * late answer; `'unsolicited-copy'`, of an answer that matched no request only ({@link Taken.Unsolicited}: the same
 * fields and transaction, yet no request ties either to a booking, so it may be another booking's genuine late approval). Neither is counted or taken again; an unsolicited copy is still offered to the
 * reversals' look-up (unsolicited.ts: a reversal answered `25` on another node is repeated once, fix67a #1).
 */
export type Copy = 'copy' | 'unsolicited-copy';

/** The {@link Copy} a copy of an answer taken as `taken` ({@link AnswerRing.copyOf}) is; `undefined` for none. */
export function copyTaken(taken: Taken | undefined): Copy | undefined {
  return taken === undefined ? undefined : taken === Taken.Unsolicited ? 'unsolicited-copy' : 'copy';
}

/** The STAN and terminal of a request (fields 11 and 41 as the caller gave them). */
export interface Transaction {
  readonly stan?: MessageInput[string];
  readonly terminal?: MessageInput[string];
}

/**
 * The text a transaction is compared by in the ring: its match-key.ts `transactionKey` (wire values: the caller's
 * `'T1'` and its reversal's `'T1      '` one terminal). Never `''`, which the ring keeps for not known (a late answer
 * or approval taken).
 */
export function transactionText(dialect: Pick<Dialect, 'fields'>, sent: Transaction): string {
  return transactionKey(dialect, sent.stan, sent.terminal);
}

/** Answer MTIs whose host-time stamps are told apart ({@link AnswerRing} `hostTime`): past them, any answer's is. */
const HOST_TIME_MTIS = 32;

/** The ring of one connector's last answers (late-keys.ts). */
export class AnswerRing {
  /** `dialect`: the connector's, whose fields 11, 41 and 32 say how an unsolicited answer's identity looks on the wire. */
  constructor(private readonly dialect: Pick<Dialect, 'fields'>) {}

  /** Places in the ring: {@link ANSWERED_KEYS} per connection (late-keys.ts `fit`). */
  size = ANSWERED_KEYS;
  /**
   * Each place's key (`key`), the field 7 its request sent (`echo`), the answer's mark (`mark`: answer-marks.ts
   * `answerMark`, `digestOf` for a late answer without field 7, `''` for an answer in time to a request without it: kept for its transaction only, no copy told by it) and its request's transaction (`transaction`:
   * {@link transactionText}, `''` when not known); `next` the place the next one takes (the oldest's). Forgetting the
   * oldest is a lookup, not a walk of a Map from its start (which skips the places deletes left, about 1.5 µs an
   * answer at 4096 keys; this is a fifth of that).
   */
  private readonly key: string[] = []; // grows to `size` with the answers: an idle connection holds none
  private readonly echo: string[] = [];
  private readonly mark: string[] = [];
  private readonly transaction: string[] = [];
  /** The place of the answer under the same key before the one at each place (-1: none): a key's answers, newest first. */
  private readonly before: number[] = [];
  /**
   * Each place's {@link Taken} (1: an answer in time, its field 7 one its request sent; 2: a late answer taken echoing
   * its request's field 7; 3: an answer that matched no request; 0: another late answer taken, its field 7 the host's,
   * maybe its time): grown to `size` when the ring is.
   */
  private inTime = new Uint8Array(0);
  /**
   * The {@link written} count at which each place was written (a number: exact to 2^53 answers), grown with `inTime`:
   * a late answer or approval taken before a request timed out is no late answer of that request (late-keys.ts
   * `lateAnswer`). 8 bytes a place (32 KiB a connection's 4096).
   */
  private seq = new Float64Array(0);
  /** Answers remembered so far: the next one's {@link seq}. */
  private count = 0;
  private next = 0;
  /**
   * The place in the ring of the last answer under each key remembered: a `DictionaryMap` (codec), as it gains and loses
   * a key per answer (a `Map` would be a new table every few hundred answers, each promoted: issue 10).
   */
  private readonly last = new DictionaryMap<number>();

  /**
   * An answer under `key` with field 7 `echo` ('': none), `mark` and `transaction` ('': not known) takes the next place;
   * `taken` (default {@link Taken.Other}): how (an answer in time, a late answer echoing its request's field 7, other).
   */
  remember(key: string, echo: string, mark: string, transaction = '', taken: Taken = Taken.Other): void {
    const place = this.next;
    const oldest = this.key[place] as string | undefined;
    // The oldest answer's key is forgotten, unless answered again since (its place is then a newer one).
    if (oldest !== undefined && this.last.get(oldest) === place) this.last.delete(oldest);
    this.key[place] = key;
    this.echo[place] = echo;
    this.mark[place] = mark;
    this.transaction[place] = transaction;
    if (this.inTime.length < this.size) {
      const grown = new Uint8Array(this.size);
      grown.set(this.inTime);
      this.inTime = grown;
      const seq = new Float64Array(this.size);
      seq.set(this.seq);
      this.seq = seq;
    }
    this.inTime[place] = taken;
    this.seq[place] = this.count++;
    this.before[place] = this.last.get(key) ?? -1;
    this.last.set(key, place);
    this.next = place + 1 >= this.size ? 0 : place + 1;
  }

  /**
   * The answer MTIs of which an answer in time carried another field 7 than its request sent ({@link answeredInTime}):
   * the host stamps its own time in those, so a late answer of one whose field 7 equals its request's (the same second)
   * echoes nothing and is no {@link Taken.Echoed} ({@link took}: its copy is told as a host-time answer's, sr65e #1,
   * sr65i #2). Per MTI: a host that echoes field 7 in its 0210s but stamps its own time in its 0810s (an echo test) or
   * answers an SAF attempt with a stored answer must not lose the copy check of its 0210s (sr66f #1). At most
   * {@link HOST_TIME_MTIS} (past them, any answer's).
   */
  private readonly hostTime = new Set<string>();

  /**
   * The answer in time `answer` under `key` to a request that sent `echo` as its field 7, of `transaction`
   * ({@link transactionText}, `''` not known): remembered as {@link Taken.InTime}, by its answer-marks.ts `answerMark`.
   */
  answeredInTime(key: string, echo: string, answer: IsoMessage, transaction: string): void {
    if (typeof answer['7'] === 'string' && answer['7'] !== echo && this.hostTime.size <= HOST_TIME_MTIS) this.hostTime.add(String(answer['0']));
    this.remember(key, echo, answerMark(answer), transaction, Taken.InTime);
  }

  /**
   * `message` (field 7 `echoed`) under `key`, no copy, taken with no request waiting for it (late-keys.ts `took`):
   * {@link Taken.Unsolicited} when not `late` (it matched no request); {@link Taken.Echoed} when late and `echoed` is
   * `sent` (its timed-out request's field 7), unless the host stamps its own time ({@link hostTime}); else
   * {@link Taken.Other}.
   */
  took(key: string, message: IsoMessage, echoed: string, late: boolean, sent: string | undefined): void {
    const hostTime = this.hostTime.size > HOST_TIME_MTIS || this.hostTime.has(String(message['0']));
    const taken = !late ? Taken.Unsolicited : sent === echoed && !hostTime ? Taken.Echoed : Taken.Other;
    this.remember(key, echoed, this.markOf(message, taken), '', taken);
  }

  /** Answers remembered so far (never less than before): one written from now on is written at or after this count. */
  get written(): number {
    return this.count;
  }

  /** The places of the answers under `key` still there, newest first (at most {@link ANSWERS_PER_KEY}). */
  private *placesOf(key: string): Generator<number> {
    let place = this.last.get(key) ?? -1;
    for (let n = 0; place >= 0 && n < ANSWERS_PER_KEY && this.key[place] === key; n++) {
      yield place;
      place = this.before[place]!;
    }
  }

  /** True when an answer under `key` remembered carried (or its request sent) `echoed` as its field 7. */
  hasEcho(key: string, echoed: string): boolean {
    for (const place of this.placesOf(key)) if (this.echo[place] === echoed) return true;
    return false;
  }

  /**
   * The mark `message` is kept by when taken as `taken`: answer-marks.ts `answerMark`, and for {@link Taken.Unsolicited}
   * its transaction's identity after it (transactions-in-flight.ts `transactionIdentity`: STAN, terminal, acquirer and
   * the card's first six and last four digits, no whole card number), as a copy of it names the same transaction.
   */
  markOf(message: IsoMessage, taken: Taken): string {
    if (taken !== Taken.Unsolicited) return answerMark(message);
    const id = transactionIdentity(this.dialect, message);
    return `${answerMark(message)}#${id.key}|${id.acquirer ?? ''}|${id.card ?? ''}`;
  }

  /** True when a request of another transaction than `transaction` ({@link transactionText}) was answered under `key`. */
  answeredOther(key: string, transaction: string): boolean {
    for (const place of this.placesOf(key)) if (this.transaction[place] !== '' && this.transaction[place] !== transaction) return true;
    return false;
  }

  /**
   * How the answer under `key` remembered that `message` is a copy of was taken (late-keys.ts `copyOfAnswer`),
   * `undefined` when none; `takenBefore` (default: any): of an answer in time, or of a late answer that echoed its
   * request's field 7 or an answer that matched no request ({@link Taken.Unsolicited}, the same transaction too:
   * {@link markOf}) taken before that {@link written} count (late-keys.ts `lateAnswer`). Never then of another late
   * answer taken (its field 7 the host's, maybe its time: another request's genuine late answer stamped in the same
   * second carries it too). A copy of an answer matched to a request (or echoing its own) is said before one of an
   * unsolicited answer only ({@link Taken.Unsolicited}: no request ties that one to a booking, fix67a #1).
   */
  copyOf(key: string, message: IsoMessage, takenBefore?: number): Taken | undefined {
    const echoed = message['7'];
    const bare = typeof echoed !== 'string';
    const echo = bare ? '' : echoed;
    let mark: string | undefined;
    let unsolicited: string | undefined;
    let found: Taken | undefined;
    for (const place of this.placesOf(key)) {
      if (this.echo[place] !== echo || this.mark[place] === '') continue; // '': an answer kept for its transaction only
      const taken = this.inTime[place] as Taken;
      if (takenBefore !== undefined && taken !== Taken.InTime && (taken === Taken.Other || this.seq[place]! >= takenBefore)) continue;
      if (taken === Taken.Unsolicited) {
        unsolicited ??= this.markOf(message, Taken.Unsolicited);
        if (this.mark[place] === unsolicited) found = taken;
        continue;
      }
      mark ??= bare ? digestOf(message) : answerMark(message);
      if (this.mark[place] === mark) return taken;
    }
    return found;
  }
}

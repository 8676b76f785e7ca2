/**
 * The match keys whose requests timed out or were answered on one connection, to tell a stale answer (a timed-out
 * request's late answer, the host's duplicate of an answered request's) from the answer of a request that reused the
 * key: the field 7 (transmission date and time, an echoed field) each such request sent. See "A late answer and a
 * reused key" in docs/connector.md.
 */
import { performance } from 'node:perf_hooks';
import type { IsoMessage } from '@iso8583/codec';

/** Most timed-out keys remembered per connection to recognise late responses (the oldest forgotten first). */
const LATE_KEYS = 1024;

/** Most field 7 values remembered per timed-out key (the newest kept). */
const LATE_ECHOES = 8;

/**
 * Answers remembered per connection, each by its key with the field 7 its request sent (the oldest forgotten first):
 * the host's duplicate of an answer is told from the answer of a request that reused the key while the key is
 * remembered. The keys of the last 4096 answers (a key answered again takes the newest place).
 */
export const ANSWERED_KEYS = 4096;

/** What an answer under a key a request waits under is, when it is not that request's: see {@link LateKeys.stale}. */
export type StaleAnswer = 'late' | 'duplicate';

/** A key whose request timed out: when, and the field 7 (`echo7`) of each request timed out under it. */
interface LateKey {
  /** `performance.now()` of the last timeout under the key. */
  at: number;
  /** The timed-out requests' `echo7` values (those that had one): their late answers echo one of them. */
  readonly echoes: string[];
}

/** The timed-out and answered keys of one connection (the channel's). */
export class LateKeys {
  private readonly keys = new Map<string, LateKey>();
  /**
   * The last {@link ANSWERED_KEYS} answers (of requests that sent a field 7), a ring: each one's key (`answeredKey`) and
   * the field 7 its request sent (`answeredEcho`) at its place, `nextAnswer` the place the next one takes (the oldest's).
   * Forgetting the oldest is a lookup, not a walk of a Map from its start (which skips the places deletes left, about
   * 1.5 µs an answer at 4096 keys; this is a fifth of that).
   */
  private readonly answeredKey: string[] = []; // grows to ANSWERED_KEYS with the answers: an idle connection holds none
  private readonly answeredEcho: string[] = [];
  private nextAnswer = 0;
  /** The place in the ring of the last answer under each key remembered. */
  private readonly answers = new Map<string, number>();

  /** Remembers that a request under `key` timed out, with the field 7 it sent (`undefined`: none, or a repeat). */
  timedOut(key: string, echo7: string | undefined): void {
    const echoes = this.keys.get(key)?.echoes ?? [];
    if (echo7 !== undefined && !echoes.includes(echo7) && echoes.push(echo7) > LATE_ECHOES) echoes.shift();
    this.keys.set(key, { at: performance.now(), echoes });
    if (this.keys.size > LATE_KEYS) {
      const oldest = this.keys.keys().next();
      if (oldest.done !== true) this.keys.delete(oldest.value);
    }
  }

  /**
   * Remembers that a request under `key` that sent `echo7` as its field 7 was answered (nothing when `undefined`): a
   * copy of its answer that comes while a request reusing the key waits is then the host's duplicate.
   */
  answered(key: string, echo7: string | undefined): void {
    if (echo7 === undefined) return;
    const place = this.nextAnswer;
    const oldest = this.answeredKey[place] as string | undefined;
    // The oldest answer's key is forgotten, unless answered again since (its place is then a newer one).
    if (oldest !== undefined && this.answers.get(oldest) === place) this.answers.delete(oldest);
    this.answeredKey[place] = key;
    this.answeredEcho[place] = echo7;
    this.answers.set(key, place);
    this.nextAnswer = place + 1 === ANSWERED_KEYS ? 0 : place + 1;
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
   * What `message`, under `key` with a request waiting that sent `waiting` as its field 7, is when it is not that
   * request's answer (a positive match only): `'late'`, the late answer of an earlier request under the key that timed
   * out; `'duplicate'`, the host's copy of the answer of an earlier request under the key that was answered. Either
   * way the answer's field 7 equals the one that earlier request sent and differs from `waiting`. `undefined`: the
   * waiting request's answer, as anything else is: one without field 7 (`waiting` undefined: a repeat, a SAF attempt),
   * an answer without field 7 or with a field 7 no such request sent (a host that writes its own time rather than
   * echoing). The keys stay remembered while a request waits: a second stale answer is told apart too.
   */
  stale(key: string, waiting: string | undefined, message: IsoMessage): StaleAnswer | undefined {
    if (waiting === undefined) return undefined;
    const echoed = message['7'];
    if (typeof echoed !== 'string' || echoed === waiting) return undefined;
    if (this.keys.get(key)?.echoes.includes(echoed) === true) return 'late';
    const place = this.answers.get(key);
    return place !== undefined && this.answeredEcho[place] === echoed ? 'duplicate' : undefined;
  }
}

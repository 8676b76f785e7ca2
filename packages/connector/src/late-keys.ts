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
 * Most answered keys remembered per connection with the field 7 their request sent (the oldest forgotten first): the
 * host's duplicate of an answer is told from the answer of a request that reused the key while the key is remembered.
 */
const ANSWERED_KEYS = 4096;

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
  /** The field 7 of the last request answered under each key (those that sent one), oldest first. */
  private readonly answers = new Map<string, string>();

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
    const answers = this.answers;
    if (!answers.delete(key) && answers.size >= ANSWERED_KEYS) {
      const oldest = answers.keys().next();
      if (oldest.done !== true) answers.delete(oldest.value);
    }
    answers.set(key, echo7);
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
    return this.answers.get(key) === echoed ? 'duplicate' : undefined;
  }
}

/**
 * The match keys whose requests timed out on one connection, to tell a late answer from the answer of a request that
 * reused the key: when, and the field 7 (transmission date and time, an echoed field) each timed-out request sent.
 * See "A late answer and a reused key" in docs/connector.md.
 */
import { performance } from 'node:perf_hooks';
import type { IsoMessage } from '@iso8583/codec';

/** Most timed-out keys remembered per connection to recognise late responses (the oldest forgotten first). */
const LATE_KEYS = 1024;

/** Most field 7 values remembered per timed-out key (the newest kept). */
const LATE_ECHOES = 8;

/** A key whose request timed out: when, and the field 7 (`echo7`) of each request timed out under it. */
interface LateKey {
  /** `performance.now()` of the last timeout under the key. */
  at: number;
  /** The timed-out requests' `echo7` values (those that had one): their late answers echo one of them. */
  readonly echoes: string[];
}

/** The timed-out keys of one connection (the channel's). */
export class LateKeys {
  private readonly keys = new Map<string, LateKey>();

  /** How many keys are remembered (0 on a connection where nothing timed out: the answer path's one check). */
  get size(): number {
    return this.keys.size;
  }

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

  /** True when a request under `key` timed out (and its late answer has not come while nothing waited under it). */
  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Forgets `key`: its late answer came. */
  forget(key: string): void {
    this.keys.delete(key);
  }

  /**
   * True when `message`, under `key` with a request waiting that sent `waiting` as its field 7, is the late answer of an
   * earlier request with that key that timed out: a positive match only. The answer's field 7 equals that of a request
   * timed out under the key and differs from `waiting`. Anything else is the waiting request's: one without field 7
   * (`waiting` undefined: a repeat, a SAF attempt), an answer without field 7 or with a field 7 no timed-out request
   * sent (a host that writes its own time rather than echoing). The key stays remembered while a request waits: a
   * second stale answer (the host's duplicate, or that of another timed-out request) is told apart too.
   */
  isLateAnswer(key: string, waiting: string | undefined, message: IsoMessage): boolean {
    if (waiting === undefined) return false;
    const known = this.keys.get(key);
    const echoed = message['7'];
    return known !== undefined && typeof echoed === 'string' && echoed !== waiting && known.echoes.includes(echoed);
  }
}

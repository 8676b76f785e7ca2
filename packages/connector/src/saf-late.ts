/**
 * Late answers to SAF attempts. An attempt waits for its answer `min(requestTimeout, retryInterval)` from its write; a
 * bank steadily slower than that answers after the wait, when the entry waits for its next attempt. That answer is the
 * truth about the entry: it was dropped as a late response, and the entry repeated every `retryInterval` for ever (each
 * repeat answered late in turn). So the last attempt of an entry that was written and not answered (timed out; or its
 * connection lost, its answer unreadable: an answer that still comes is the host's truth about it all the same; after a
 * lost connection none can come on it) is remembered under its match key while the entry is open, and a late answer
 * under that key ends it as an answer in time would have (saf-queue.ts `lateAnswer`). The memory is kept while the entry's next attempt is in flight (each attempt that
 * times out takes its place), until the entry ends: a bank slower than the wait answers every attempt late, each
 * answer most likely while the next attempt is in flight, on another connection than that attempt's (on its own
 * connection the attempt takes any answer under its key); such an answer ends the entry only if its code ends it (a
 * system error leaves it to the attempt in flight). Exactly one outcome: only while the entry is still open; its
 * attempt in flight then changes nothing (saf-queue.ts `open`).
 */
import type { IsoMessage } from '@iso8583/codec';
import { answersMti, mtiText } from './match-key.js';
import type { Active } from './saf-entry.js';
import type { SafEvent } from './saf-event.js';

/** An attempt of an entry that left (`started` on the monotonic clock, `startedAt` on the wall clock). */
export interface SafAttempt {
  a: Active;
  /** Its number (the entry's `attempts` once it was journaled). */
  n: number;
  base: Omit<SafEvent, 'stage'>;
  message: IsoMessage;
  started: number;
  startedAt: number;
}

/**
 * The turn a late answer taken for the entry of `a` is handled in: the next microtask while it waits for its next
 * attempt; with an attempt in flight, after the answers of this read are handled (`setImmediate`), so that the
 * attempt's own answer, should it have come in the same read (it matched the attempt), ends it rather than this one.
 */
export function lateTurn(a: Active): Promise<unknown> {
  return a.waiting === 'attempt' ? Promise.resolve() : new Promise((resolve) => setImmediate(resolve));
}

/** The match keys of an attempt and of an answer (the connector's `MatchKey`). */
export interface AnswerKeys {
  ofRequest(message: IsoMessage): string;
  ofResponse(message: IsoMessage): string;
}

/** The unanswered (written) last attempts of the entries still open, by match key (see the file's note). */
export class LateAnswers {
  private readonly byKey = new Map<string, SafAttempt>();
  private readonly keyOf = new Map<Active, string>();

  constructor(private readonly keys: AnswerKeys | undefined) {}

  /** The attempts remembered (their entries still open). */
  get size(): number {
    return this.keyOf.size;
  }

  /** `attempt` was written and not answered, its entry still open: a late answer to it may end it. */
  unanswered(attempt: SafAttempt): void {
    if (this.keys === undefined) return;
    let key: string;
    try {
      key = this.keys.ofRequest(attempt.message);
    } catch {
      return; // no answer due to it (the key refused): nothing to wait for
    }
    this.forget(attempt.a);
    this.byKey.set(key, attempt);
    this.keyOf.set(attempt.a, key);
  }

  /** The entry of `a` ended (or its attempt was taken): no late answer is offered to it from now on. */
  forget(a: Active): void {
    const key = this.keyOf.get(a);
    if (key === undefined) return;
    this.keyOf.delete(a);
    // Another entry's attempt under the same key (a matchKey without field 0) may have taken its place: not forgotten.
    if (this.byKey.get(key)?.a === a) this.byKey.delete(key);
  }

  /** Forgets every attempt (the queue stops: no late answer ends an entry from then on). */
  clear(): void {
    this.byKey.clear();
    this.keyOf.clear();
  }

  /**
   * The attempt `answer` (a late response) answers, taken (it is not offered again) when `takes` says so (the entry
   * still open: waiting for its next attempt, or an answer that ends it) and `answer` is of its response MTI; else
   * `undefined`. The entry's attempts share its key: the answer of any of them is the host's word on the entry.
   */
  take(answer: IsoMessage, takes: (attempt: SafAttempt) => boolean): SafAttempt | undefined {
    if (this.byKey.size === 0 || this.keys === undefined) return undefined;
    const attempt = this.byKey.get(this.keys.ofResponse(answer));
    // Of the attempt's response MTI (match-key.ts `answersMti`, the channel's rule too): a `matchKey` without field 0
    // keys a timed-out 0200's late 0210 approval as its reversal's 0400 attempt; taken as the reversal's answer, it
    // would end it, the approval standing.
    if (attempt === undefined || !answersMti(mtiText(attempt.message['0']), answer['0']) || !takes(attempt)) return undefined;
    this.forget(attempt.a);
    return attempt;
  }
}

/**
 * A connection the endpoint closes itself (broken framing, a frame not completed within the read timeout,
 * `maxFormatErrors` frames in a row that do not decode) while its client is still connected: reading stops, the close
 * is counted and logged, the replies owed to the requests already in their sequence are still written, then the
 * connection ends. Thrown away, an approval would be reversed (or left to the acquirer's timeout) while its terminal
 * was there to get it. The wait is bounded: {@link ownCloseBound}, after which the connection is destroyed (what is
 * still owed goes to `onLateResult`, as for a client that has gone).
 */
import { MAX_CLOSE_DEADLINE } from './options.js';

/**
 * Milliseconds a connection closing itself waits for its replies owed and its client's end: twice `sequenceTimeout` (a
 * sequence's time, then onError's, after which the endpoint has answered every request it started) and a second to
 * write the last reply; at most the longest delay a Node.js timer honours.
 */
export function ownCloseBound(sequenceTimeout: number): number {
  return Math.min(2 * sequenceTimeout + 1000, MAX_CLOSE_DEADLINE);
}

/** The close a connection began itself, if it did: its bound (a timer, cleared once the socket has closed). */
export class OwnClose {
  #timer: NodeJS.Timeout | undefined;
  #begun = false;

  /** True once the connection began closing itself. */
  get begun(): boolean {
    return this.#begun;
  }

  /** Begins the close (once): `destroy` is called if the connection has not closed within `ms`. */
  begin(ms: number, destroy: () => void): void {
    if (this.#begun) return;
    this.#begun = true;
    this.#timer = setTimeout(destroy, ms);
    this.#timer.unref();
  }

  /** The socket has closed: no bound to keep. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

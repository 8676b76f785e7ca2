/**
 * The connector's events, typed: `connector.on('reversal', (event) => ...)` knows its arguments, and a misspelt event
 * name does not compile. Events other than `error` are emitted only when listened to.
 */
import type { EventEmitter } from 'node:events';
import type { IsoMessage, Iso8583Error } from '@iso8583/codec';
import type { Logger } from 'pino';
import { logQuietly } from './quiet-log.js';
import type { UnsolicitedInfo } from './options.js';
import type { ReversalEvent } from './reversal-setup.js';
import type { SafEvent } from './saf-queue.js';

/** What the connector's `disconnect` event says of a connection that ended. */
export interface DisconnectInfo {
  /** The connection's id (as in its `connect` event and its log lines). */
  channel: number;
  /**
   * Why it ended, when it ended on an error (`ISO8583_ERR_CONNECTOR_CONNECTION_LOST` for a socket error, a framing
   * error's code, the error the connector aborted it with); undefined when the socket simply closed, by either end: a
   * host that closes the connection gives undefined here (requests still pending on it fail with
   * `ISO8583_ERR_CONNECTOR_CONNECTION_LOST` all the same). Whether it was a drop: `retryIn`.
   */
  code: string | undefined;
  /**
   * Milliseconds the next connect attempt waits before it dials: the reconnect backoff's next delay, the first one
   * (between half and all of `reconnect.initialDelay`) again when the host spoke on this connection or it stayed up as
   * long as that delay's ceiling, else one step longer (a host that accepts and closes at once is a failure in a row);
   * 0 when the connector closed the connection itself (the pool's idle eviction, with its sign-off; in `exclusive`
   * mode, a connection whose request failed after it was written): no failure. A
   * wait already counted (by a failed attempt, another connection's drop) stands. The same `retryIn` as on the
   * `connection failed` log line. Undefined while the connector closes: no attempt follows.
   */
  retryIn: number | undefined;
}

/** The events of a {@link Connector}, with their arguments. */
export interface ConnectorEvents {
  /** A connection is up (and signed on, with `signOn`). */
  connect: [info: { channel: number }];
  /** A connection has ended: see {@link DisconnectInfo}. */
  disconnect: [info: DisconnectInfo];
  /** A message that matched no request in flight, or a host-initiated request other than 0800. */
  unsolicited: [message: IsoMessage, info: UnsolicitedInfo];
  /** A response whose request had already timed out. */
  'late-response': [message: IsoMessage, info: UnsolicitedInfo];
  /** What happened to one of the connector's reversals (never card data). */
  reversal: [event: ReversalEvent];
  /** What happened to a SAF entry, reversal or advice (`kind`); never card data. */
  saf: [event: SafEvent];
  /** The connector has closed (after `close()` or `destroy()`). */
  close: [];
  /**
   * A failed connect attempt, an undecodable message or broken framing from the host, a failing `onUnsolicited`
   * (`ISO8583_ERR_CONNECTOR_UNSOLICITED`):
   * emitted only when listened to, so an unhandled one never crashes the process (request failures reject their own
   * promise instead).
   */
  error: [err: Iso8583Error];
}

/**
 * Tells the `reversal` and `saf` listeners of `emitter`, from inside the SAF queue's work: a listener that throws is
 * logged (its error's name only) and never breaks that work (an entry left unqueued, or stored twice by a caller who
 * saw an error).
 */
export function tellSafListeners(emitter: EventEmitter<ConnectorEvents>, logger: Logger, event: ReversalEvent): void {
  try {
    if (event.kind === 'reversal' && emitter.listenerCount('reversal') > 0) emitter.emit('reversal', event);
    if (emitter.listenerCount('saf') > 0) emitter.emit('saf', event);
  } catch (err) {
    logQuietly(logger, 'error', { stage: event.stage, kind: event.kind, listenerError: (err as Error | undefined)?.name }, 'a reversal or saf listener threw: ignored');
  }
}

/**
 * The connector's events, typed: `connector.on('reversal', (event) => ...)` knows its arguments, and a misspelt event
 * name does not compile. Events other than `error` are emitted only when listened to.
 */
import type { IsoMessage, Iso8583Error } from '@iso8583/codec';
import type { UnsolicitedInfo } from './options.js';
import type { ReversalEvent } from './reversal.js';
import type { SafEvent } from './saf-queue.js';

/** The events of a {@link Connector}, with their arguments. */
export interface ConnectorEvents {
  /** A connection is up (and signed on, with `signOn`). */
  connect: [info: { channel: number }];
  /** A connection has ended; `code` is why, when it failed. */
  disconnect: [info: { channel: number; code: string | undefined }];
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

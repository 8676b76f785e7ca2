/**
 * Relaying a message already in its wire image (the gateway's path when both sides speak the same dialect): the
 * connector reads what it needs from the decoded view (the match key, the journal's reversal, the terminal queue,
 * routing, counting) and writes the bytes it was given instead of packing the view again; the response comes back
 * with its bytes beside its decoded view, so that it can be relayed on without another pack.
 */
import type { Dialect, IsoMessage } from '@iso8583/codec';

/** A request in its wire image, with its decoded view. */
export interface EncodedRequest {
  /**
   * The message as decoded from `body` (the caller decoded it, which checked every field): what the connector reads
   * the match key, the reversal and the routing from. It must be what `body` holds.
   */
  readonly message: IsoMessage;
  /** The wire image (MTI, bitmap, fields; no length header, frame header or dialect header). */
  readonly body: Buffer;
  /**
   * The dialect `body` is in. Only when it describes the connector's wire format (see `sameDialect` of the codec) and
   * the dialect has no message header are the bytes written as they are; otherwise (and when auto-fill adds field 11
   * or 7, which the bytes do not hold) `message` is packed, as `request` does.
   */
  readonly dialect: Dialect;
}

/** A response with its wire image. */
export interface EncodedResponse {
  /** The decoded response (fully decoded and checked by the connector). */
  readonly message: IsoMessage;
  /** The response's wire image as received (without length header and frame header). */
  readonly body: Buffer;
  /** The fixed header of the response frame (or the dialect header when there is no frame header). */
  readonly header: Buffer;
  /** The dialect of `body`: the connector's. */
  readonly dialect: Dialect;
}

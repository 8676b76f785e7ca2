import type { Dialect, IsoMessage } from '@iso8583/codec';

/**
 * A reply already in its wire image, with its decoded view: what a relaying sequence (the gateway's) returns so that
 * the host's answer goes back to the client byte for byte, without another pack. The endpoint writes `body` as it is
 * only when `dialect` describes its own wire format and that dialect has no message header; otherwise it packs
 * `message`, as for a reply object. The view is what the endpoint counts (MTI, response code) and logs (masked).
 */
export class EncodedReply {
  /**
   * @param message The reply as decoded from `body` by someone who checked every field (e.g. the connector's decode of
   *   the host's response). It must be what `body` holds.
   * @param body The wire image (MTI, bitmap, fields; no length header, frame header or dialect header).
   * @param dialect The dialect `body` is in.
   */
  constructor(
    readonly message: IsoMessage,
    readonly body: Buffer,
    readonly dialect: Dialect,
  ) {}
}

import { swapTpdu } from './tpdu.js';

/**
 * What the fixed frame header of a reply is, given the header of the request it answers:
 * - `swap-tpdu`: the header is a TPDU (5 bytes: id, destination, source); the reply carries it with destination and
 *   source swapped, so that it travels back to where the request came from;
 * - `echo`: the reply carries the request's header bytes unchanged (a network-specific header).
 */
export type ReplyHeaderPolicy = 'swap-tpdu' | 'echo';

/** The default policy for `headerBytes` fixed header bytes: a 5-byte header is a TPDU; any other is echoed. */
export function defaultReplyHeaderPolicy(headerBytes: number): ReplyHeaderPolicy {
  return headerBytes === 5 ? 'swap-tpdu' : 'echo';
}

/**
 * The one rule for a reply's fixed header, used wherever a reply is written (the inbound endpoint, the connector's
 * 0810, the host simulator, test peers). With no policy, {@link defaultReplyHeaderPolicy} of the header's length.
 */
export function replyHeader(requestHeader: Uint8Array, policy: ReplyHeaderPolicy = defaultReplyHeaderPolicy(requestHeader.length)): Buffer {
  return policy === 'swap-tpdu' ? swapTpdu(requestHeader) : Buffer.from(requestHeader);
}

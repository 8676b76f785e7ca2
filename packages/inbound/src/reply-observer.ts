/**
 * The `onReply` option's calls: a reply as it went (accepted for writing), and again, `cut: true`, when its
 * connection's destroy then cut it before it left (undelivered.ts `droppedLater`): a trace shows it cut, not sent.
 */
import type { IsoMessage } from '@iso8583/codec';
import type { EndpointCore, Peer } from './core.js';

/** What {@link ReplyObserver} is told about a reply the endpoint wrote. */
export interface WrittenReply {
  /** The client's IP address. */
  remoteAddress: string;
  /** The client's port. */
  remotePort: number;
  /** Milliseconds since the request was read; absent for the response code 30 to a frame that did not decode, and when `cut`. */
  latencyMs?: number;
  /**
   * True on the second call for a reply its connection's destroy cut before it left (told once more, after the call
   * at acceptance): it never reached the client. Default (absent): the reply was accepted for writing.
   */
  cut?: true;
}

/**
 * The `onReply` option: told of each reply written, as it went, when it is accepted for writing (see
 * `InboundOptions.onReply`), and told again with `cut: true` if its connection's destroy then cuts it before it left.
 */
export type ReplyObserver = (reply: IsoMessage, written: WrittenReply) => void;

/** Tells `onReply` (if set) of `reply` on `peer`'s connection, with `more` (latency, or cut); a throw is ignored. */
export function observeReply(core: EndpointCore, peer: Peer, reply: IsoMessage, more: Pick<WrittenReply, 'latencyMs' | 'cut'>): void {
  const onReply = core.options.onReply;
  if (onReply === undefined) return;
  try {
    onReply(reply, { remoteAddress: peer.remoteAddress, remotePort: peer.remotePort, ...more });
  } catch {
    // An observer's failure is not the client's: the reply went (or was cut) all the same.
  }
}

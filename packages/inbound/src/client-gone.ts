/**
 * A sequence's `context.gone`: aborted when the message's connection closes (the client left, a POS that gave up),
 * so for a message not yet answered, before its answer could reach it. A sequence that passes it to a connector
 * request as its `signal` has a request still unwritten dropped, never sent (SocketQueue drops the queued request of a
 * client that has gone); the abort's reason is marked client-gone (the connector's `clientGone`), so a request already
 * written is awaited as if not aborted and its answer comes back as usual (an approval the client then never gets goes
 * to `onLateResult`). One signal per connection, shared by its messages (made on the first read): a signal costs
 * tens of microseconds to make, too much for every message.
 */
import { setMaxListeners } from 'node:events';
import { inboundError } from './errors.js';

/** The mark of a client-gone abort reason: the connector's `CLIENT_GONE` (a registered symbol, same key). */
const CLIENT_GONE = Symbol.for('@iso8583/client-gone');

/** The connection a message came on, as far as its `gone` signal needs it. */
export interface GoneOrigin {
  readonly peer: { readonly closed?: Promise<void> };
}

/** Each connection's `gone` signal, once a message's sequence has read it. */
const signals = new WeakMap<object, AbortSignal>();

/** The `gone` of a peer that never closes (one made by hand): never aborted. */
const NEVER = new AbortController().signal;
setMaxListeners(0, NEVER);

/** The `gone` signal of a message: its connection's (made on first read); never aborted for a peer without `closed`. */
export function goneSignal(origin: GoneOrigin): AbortSignal {
  const { peer } = origin;
  const closed = peer.closed;
  if (closed === undefined) return NEVER;
  let signal = signals.get(peer);
  if (signal === undefined) {
    const controller = new AbortController();
    signal = controller.signal;
    // Every request in flight on the connection listens to it (up to maxInFlightPerConnection): no leak warning.
    setMaxListeners(0, signal);
    signals.set(peer, signal);
    void closed.then(() => controller.abort(Object.assign(inboundError('ISO8583_ERR_INBOUND_CLIENT_GONE', 'the client\'s connection closed before the message was answered'), { [CLIENT_GONE]: true })));
  }
  return signal;
}

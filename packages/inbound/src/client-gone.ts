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
  readonly peer: { readonly closed?: Promise<void>; readonly hasClosed?: boolean };
}

/** Each connection's `gone` controller, once a message's sequence has read its signal. */
const controllers = new WeakMap<object, AbortController>();

/** The `gone` of a peer that never closes (one made by hand): never aborted. */
const NEVER = new AbortController().signal;
setMaxListeners(0, NEVER);

function goneReason(): Error {
  return Object.assign(inboundError('ISO8583_ERR_INBOUND_CLIENT_GONE', 'the client\'s connection closed before the message was answered'), { [CLIENT_GONE]: true });
}

/**
 * The `gone` signal of a message: its connection's (made on first read); never aborted for a peer without `closed`.
 * Aborted at once when read after the connection closed (`hasClosed`, set by the socket's `close` event): `closed`
 * settles a microtask later, and a sequence that reads `context.gone.aborted` then must not find it still open.
 */
export function goneSignal(origin: GoneOrigin): AbortSignal {
  const { peer } = origin;
  const closed = peer.closed;
  if (closed === undefined) return NEVER;
  let controller = controllers.get(peer);
  if (controller === undefined) {
    const made = new AbortController();
    controller = made;
    // Every request in flight on the connection listens to it (up to maxInFlightPerConnection): no leak warning.
    setMaxListeners(0, made.signal);
    controllers.set(peer, made);
    if (peer.hasClosed !== true) void closed.then(() => made.abort(goneReason()));
  }
  if (peer.hasClosed === true && !controller.signal.aborted) controller.abort(goneReason());
  return controller.signal;
}

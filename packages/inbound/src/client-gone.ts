/**
 * A sequence's `context.gone`: aborted when the message's connection closes before the message is answered (the
 * client left, a POS that gave up). A sequence that passes it to a connector request as its `signal` has a request
 * still unwritten dropped, never sent (SocketQueue drops the queued request of a client that has gone); the abort's
 * reason is marked client-gone (the connector's `clientGone`), so a request already written is awaited as if not
 * aborted and its answer comes back as usual (an approval the client then never gets goes to `onLateResult`). One
 * listener per connection however many messages watch it; a message stops watching once its outcome is taken.
 */
import { inboundError } from './errors.js';

/** The mark of a client-gone abort reason: the connector's `CLIENT_GONE` (a registered symbol, same key). */
const CLIENT_GONE = Symbol.for('@iso8583/client-gone');

/** The connection a message came on, as far as its `gone` signal needs it. */
export interface GoneOrigin {
  readonly peer: { readonly closed?: Promise<void> };
  /** The controller behind `context.gone`: made on its first read. */
  gone?: AbortController;
}

/** The controllers of each connection's messages that read `gone` and are not answered yet. */
const watching = new WeakMap<object, Set<AbortController>>();

/** The reason `gone` aborts with: `ISO8583_ERR_INBOUND_CLIENT_GONE`, marked client-gone. */
function goneReason(): Error {
  return Object.assign(inboundError('ISO8583_ERR_INBOUND_CLIENT_GONE', 'the client\'s connection closed before the message was answered'), { [CLIENT_GONE]: true });
}

/** The `gone` signal of a message (made on first read); never aborted for a peer without `closed` (one made by hand). */
export function goneSignal(origin: GoneOrigin): AbortSignal {
  if (origin.gone !== undefined) return origin.gone.signal;
  const controller = (origin.gone = new AbortController());
  const { peer } = origin;
  const closed = peer.closed;
  if (closed === undefined) return controller.signal;
  let set = watching.get(peer);
  if (set === undefined) {
    const fresh = new Set<AbortController>();
    watching.set(peer, (set = fresh));
    void closed.then(() => {
      watching.delete(peer);
      for (const each of fresh) each.abort(goneReason());
    });
  }
  set.add(controller);
  return controller.signal;
}

/** The message's outcome is taken (answered, failed, expired): its `gone` no longer watches the connection. */
export function forgetGone(origin: GoneOrigin): void {
  if (origin.gone !== undefined) watching.get(origin.peer)?.delete(origin.gone);
}

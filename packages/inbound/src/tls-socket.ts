/** What the endpoint reads of a server-side TLS socket beyond Node's documented surface. */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { codeOf } from './errors.js';
import type { ConnectionSlots, Slot } from './slots.js';

/**
 * Why a TLS socket refused its client's certificate (`requestCert`): OpenSSL's code (`CERT_HAS_EXPIRED`,
 * `UNABLE_TO_VERIFY_LEAF_SIGNATURE`...), which Node keeps as `authorizationError` (a string, though typed an Error);
 * undefined when it refused none.
 */
export function authorizationCause(socket: TLSSocket): string | undefined {
  const why: unknown = socket.authorizationError;
  if (why === undefined || why === null) return undefined;
  return codeOf(typeof why === 'string' ? { code: why } : why);
}

/**
 * Why the handshake of `socket` failed with `err` (Node's `tlsClientError`), as the `ISO8583_ERR_INBOUND_TLS` line's
 * `cause`: a refused client certificate's reason (the socket knows it, CERT_HAS_EXPIRED...; the error is only the
 * reset after); the client's FIN (Node says ECONNRESET: a client refusing this side's certificate, an expired one,
 * just closes); else the error's code. Undefined when the client connected and closed without a byte (a TCP health
 * check): no handshake began, as on a plain listener.
 */
export function handshakeCause(socket: TLSSocket, err: Error): string | undefined {
  if (socket.readableEnded && parentOf(socket)?.bytesRead === 0) return undefined;
  return authorizationCause(socket) ?? (socket.readableEnded ? 'closed by the client during the handshake' : codeOf(err));
}

/** The accepted socket under a TLS socket (Node keeps it as `_parent`, not documented). */
export function parentOf(socket: TLSSocket): Socket | undefined {
  const parent = (socket as TLSSocket & { _parent?: unknown })._parent;
  return parent !== null && typeof parent === 'object' ? (parent as Socket) : undefined;
}

/**
 * The slot of a TLS socket (`slots`: the endpoint's): the one of the accepted socket under it (`parentOf`). Node's TLS
 * server always sets that parent (`_parent`, undocumented): the fallback is defensive, for a Node that would not. When
 * Node keeps none, the accepted socket with the same peer (address and port name one TCP connection), only while the TLS
 * socket still knows its peer (a socket that lost its handle knows neither, as a client reset before its accept
 * does not: undefined on both sides named another client's slot). Undefined when the accepted socket's slot has gone
 * (closed). Marked as secured by `socket`.
 */
export function slotOfTls(slots: ConnectionSlots, socket: TLSSocket): Slot | undefined {
  const parent = parentOf(socket);
  let slot = parent === undefined ? undefined : slots.get(parent);
  const { remoteAddress, remotePort } = socket;
  if (parent === undefined && remoteAddress !== undefined && remotePort !== undefined) {
    for (const held of slots.values()) {
      if (held.remotePort === remotePort && held.remoteAddress === remoteAddress) slot = held;
    }
  }
  if (slot !== undefined) slot.secure = socket;
  return slot;
}

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

/** The accepted socket under a TLS socket (Node keeps it as `_parent`, not documented). */
export function parentOf(socket: TLSSocket): Socket | undefined {
  const parent = (socket as TLSSocket & { _parent?: unknown })._parent;
  return parent !== null && typeof parent === 'object' ? (parent as Socket) : undefined;
}

/**
 * The slot of a TLS socket (`slots`: the endpoint's): the one of the accepted socket under it (`parentOf`), else the
 * accepted socket with the same peer (address and port name one TCP connection). Marked as secured by `socket`.
 */
export function slotOfTls(slots: ConnectionSlots, socket: TLSSocket): Slot | undefined {
  const parent = parentOf(socket);
  let slot = parent === undefined ? undefined : slots.get(parent);
  if (slot === undefined) {
    for (const held of slots.values()) {
      if (held.socket.remotePort === socket.remotePort && held.socket.remoteAddress === socket.remoteAddress) slot = held;
    }
  }
  if (slot !== undefined) slot.secure = socket;
  return slot;
}

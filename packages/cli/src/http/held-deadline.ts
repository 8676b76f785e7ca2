/**
 * The request bound (request-deadline.ts) of a connection the pipelining bound (pipeline-cap.ts) held unread. Node
 * times a request from its first byte, and what a client sends while its connection waits for its turn (requests
 * pipelined behind 32 routes still running) is not read: a request whose body was sent in good time, waiting unread
 * behind a slow payment, would be answered 408 "did not arrive whole" and its connection closed, every answer still
 * owed on it cut (approvals reversed). So the time a connection is held unread does not count: the message Node found
 * late while it was held, or within the bound after it was read again, gets the whole bound from when its connection
 * was last read again, and only if it has not arrived by then is it answered 408 (and its connection closed, so that
 * nothing pipelined behind it is started). A connection held unread again meanwhile starts the bound again when it
 * is read again.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { onNextRequest, owedTo } from './owed-answers.js';
import { unreadUntil, whenRead } from './pipeline-cap.js';

/**
 * The timers of each connection's late messages still to be looked at, and the one `close` listener that clears them
 * (one per connection: a long keep-alive connection held again and again would otherwise gather one listener per late
 * message, and past ten Node warns of a leak).
 */
const timers = new WeakMap<Socket, Set<NodeJS.Timeout>>();

/** The timers of `socket`'s late messages, cleared when it closes. */
function timersOf(socket: Socket): Set<NodeJS.Timeout> {
  let set = timers.get(socket);
  if (set === undefined) {
    const own = new Set<NodeJS.Timeout>();
    set = own;
    timers.set(socket, own);
    socket.once('close', () => {
      for (const timer of own) clearTimeout(timer);
      own.clear();
    });
  }
  return set;
}

/**
 * Node found the message being received on `socket` past the `ms` bound: `true` when that is only because the
 * pipelining bound held the connection unread (held now, or read again less than `ms` ago); the message then has `ms`
 * from when its connection was last read again, and `expire` is called if it has not arrived whole by then (Node does
 * not time it again). `false`: the message is late on its own, `expire` is the caller's to call.
 */
export function expiredWhileHeld(socket: Socket, ms: number, expire: () => void): boolean {
  const since = unreadUntil(socket);
  if (since === undefined || Date.now() - since >= ms) return false;
  const last = owedTo(socket).last;
  // The message Node timed: the last request parsed if its body is still arriving, else the next (its head arriving).
  let late: IncomingMessage | undefined = last !== undefined && !last[0].complete ? last[0] : undefined;
  if (late === undefined) {
    onNextRequest(socket, (req) => {
      late = req;
    });
  }
  const pending = timersOf(socket);
  const arm = (): void => {
    if (socket.destroyed) return;
    const from = unreadUntil(socket) as number;
    const timer = setTimeout(() => {
      pending.delete(timer);
      if (socket.destroyed) return;
      // Held unread again meanwhile: the bound starts again when it is read again.
      if (unreadUntil(socket) !== from) whenRead(socket, arm);
      else if (late === undefined || !late.complete) expire();
    }, Math.max(0, from + ms - Date.now()));
    timer.unref();
    pending.add(timer);
  };
  whenRead(socket, arm);
  return true;
}

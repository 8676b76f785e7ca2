/**
 * The close of a connection whose answers are made and wait for a client that does not read them (the connection
 * cap's eviction, connection-cap.ts; the held-back budget's close, held-budget.ts). A destroy there found the client's
 * unread requests waiting in the socket (its reading is paused: pipeline-cap.ts), and closing a socket with unread
 * bytes makes the system reset the connection and throw away what was handed to it and not yet delivered: answers the
 * routes counted delivered once handed to the system (an approval neither delivered nor reversed).
 *
 * So the connection lingers (linger-close.ts, `lingerClose`): what its client sends is read and thrown away (no further
 * request is parsed, none held back is handed to the routes), and its side is ended once every answer owed is written
 * whole; it is destroyed once its client ends its side, or at the linger's bound. An answer still not written whole
 * by then is cut with it, and the routes count it undelivered (an approval reversed), as for any client gone. And
 * the answers written whole may still wait in the buffers, unread: a client that goes on sending when the bound
 * destroys it is reset, which throws them away, so they are in doubt till the close (linger-close.ts), reversed then.
 */
import type { Socket } from 'node:net';
import { LINGER_MS, lingerClose } from './linger-close.js';
import { owedTo } from './owed-answers.js';

/** Connections closed so and not closed yet. */
const closingAnswered = new WeakSet<Socket>();

/**
 * Whether `socket` is being closed by {@link closeAnswered}: its answers may wait unread in the buffers, and a destroy
 * now may cut them (the connection cap closes it last among those closing: connection-cap.ts).
 */
export function isClosingAnswered(socket: Socket): boolean {
  return closingAnswered.has(socket) && !socket.destroyed;
}

/**
 * Closes `socket` without a reset of the answers handed to the system (see the file's note). Once: a second call (the
 * connection cap evicting a connection the held-back budget closed) would restart the linger's bound. `lingerMs`: the
 * linger's bound (linger-close.ts; default {@link LINGER_MS}).
 */
export function closeAnswered(socket: Socket, lingerMs = LINGER_MS): void {
  if (socket.destroyed || closingAnswered.has(socket)) return;
  closingAnswered.add(socket);
  // Answers made and not written whole yet; requests held back never reach the routes now (pipeline-cap.ts), and a
  // stream (markStream) never ends: it is cut at the linger's bound.
  const owed = [...owedTo(socket).requests.values()].filter((res) => res.writableEnded && !res.writableFinished);
  lingerClose(socket, lingerMs);
  let left = owed.length;
  const end = (): void => {
    if (!socket.destroyed) socket.end();
  };
  if (left === 0) end();
  for (const res of owed) {
    res.once('close', () => {
      if (--left === 0) end();
    });
  }
}

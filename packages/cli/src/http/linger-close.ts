/**
 * A connection closed while its client may still be sending is read a while longer, what comes thrown away, before it
 * is closed: closing a socket with unread bytes makes the system reset the connection, and a reset drops what was
 * written to it and not yet delivered, so the client reads a reset (`EPIPE`, `ECONNRESET`: fetch's "fetch failed")
 * instead of its answer. The lingering lasts until the client ends its side, {@link LINGER_MS} at most (or a graceful
 * stop's deadline: own-answer-close.ts), and reads {@link LINGER_BYTES} at most: a client sending without end is cut
 * soon, and costs the others little CPU.
 *
 * Two kinds of connection linger. The port's own answers (request-deadline.ts: a 408, a 503 at the cap), written on
 * the socket itself. And an answer that closes its connection before its request's body has all come: Fastify refuses
 * a body past its limit (413) as soon as the headers announce it, marks the answer `Connection: close` since the rest
 * of the body is still on its way, and Node then destroys the connection as soon as the answer is written (its
 * `destroySoon`), the body's rest unread: about 1 POST of 2 MB in 10 to the gateway read a reset and not its 413.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { closeWithin } from './own-answer-close.js';
import { discardReading, markInDoubt } from './pipeline-cap.js';

/**
 * How long a closing connection is still read, its bytes thrown away, for its client to finish sending and read the
 * answer: 2000 ms.
 */
export const LINGER_MS = 2_000;

/**
 * The most bytes a lingering connection is read for, after which it is closed at once (a client then sending still
 * reads a reset): 8 MiB, a body eight times Fastify's default limit.
 */
export const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * Closes `socket`, whose side is ended (or being ended) by the caller: what its client still sends is read and thrown
 * away (pipeline-cap.ts, `discardReading`: no request is parsed from it), and it is destroyed once the client ends its
 * side, after `ms` (default {@link LINGER_MS}; a test sets a bound of its own) or past {@link LINGER_BYTES}. Its
 * errors (a client that resets it meanwhile) are not the server's.
 *
 * Its answers written whole are in doubt till it closes (the connector's `deliveryInDoubt`): a close that is not the
 * client's end of its side (the linger's bound, {@link LINGER_BYTES}, an error, any other destroy) may meet bytes the
 * client still sends, and the system then resets the connection and throws away what the client had not read: each
 * answer the window kept is then counted undelivered (an approval reversed), for the client may not have read it. Such
 * a close counts so only if the client sent bytes during the linger (or an error was seen): a client silent for the
 * whole linger is closed with a FIN, and its answers count delivered.
 */
export function lingerClose(socket: Socket, ms = LINGER_MS): void {
  let failed = false;
  // A client that ended its side before the linger began: its `end` has come already, and will not again.
  let ended = socket.readableEnded;
  let read = 0;
  socket.on('error', () => (failed = true));
  // Cut only if the client may be reset: a destroy resets the connection (throwing away what the client had not read)
  // only if bytes come from the client after it, or lie unread here at it. A client that sent nothing for the whole
  // linger (a pooled client leaving the closed socket in CLOSE_WAIT till its next use) is closed with a FIN and loses
  // nothing: its answers are delivered. The race left: such a client sending just after the destroy is reset.
  markInDoubt(socket, () => failed || (!ended && read > 0));
  discardReading(socket);
  socket.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > LINGER_BYTES) socket.destroy();
  });
  closeWithin(socket, ms);
  socket.once('end', () => {
    // Past the bytes' bound the socket is destroyed already, and this never comes.
    ended = true;
    socket.destroy();
  });
}

/** Sockets whose close by Node lingers ({@link lingerWhileBodyComes}). */
const lingering = new WeakSet<Socket>();

/**
 * A server's `request` listener (put before the others): if `res` is written whole while `req`'s body is still
 * coming, and Node then closes the connection (the answer said `Connection: close`), the connection lingers
 * ({@link lingerClose}) instead of being destroyed with the rest of the body unread. A connection kept alive after such
 * an answer is left to Node, which reads the body's rest and throws it away.
 */
export function lingerWhileBodyComes(req: IncomingMessage, res: ServerResponse): void {
  if (req.complete) return;
  // Before Node's own `finish` listener, which closes the connection once the answer is written.
  res.prependOnceListener('finish', () => {
    const socket = req.socket as Socket | null;
    if (req.complete || socket === null || lingering.has(socket)) return;
    lingering.add(socket);
    // Node's close of a connection whose last answer is written: `destroySoon` (its side ended, then destroyed).
    socket.destroySoon = () => {
      socket.end();
      lingerClose(socket);
    };
  });
}

/**
 * A port's own answer to a request no route has run for (408 for a request that did not arrive whole in time, 400 or
 * 431 for one that is not HTTP, written on the socket by request-deadline.ts), written in its turn. HTTP/1.1 answers the requests of a connection in the
 * order they were sent, and a client that pipelines reads each answer as the one to its next request: a 408 written
 * at once while earlier requests of its connection were still at the routes (a purchase waiting for the bank) was read
 * as the answer to the first of them, and the closing of the connection then cut their real answers (an approval
 * reversed, the client told "timeout" for it).
 *
 * So the connection is read no more at once (the late request never completes, no route runs for it), and the answer
 * is written once every answer owed before it has been written whole (handed to the system: the connector's routes
 * count such an answer delivered), then the connection is closed. Their wait is bounded by the request bound itself
 * (`ms`; during a graceful stop, by the stop's deadline too: own-answer-close.ts): a route at the bank has its own
 * timeout, about as long, and an answer not written by then (a client that does not read them) is cut with the
 * connection, with no answer of the port's written (the routes reverse an approval whose answer was not written
 * whole). A connection with no earlier answer owed is answered at once.
 */
import type { Socket } from 'node:net';
import { cancelClose, closeWithin } from './own-answer-close.js';
import { owedTo } from './owed-answers.js';
import { stopReading } from './pipeline-cap.js';

/** Connections whose own answer is waiting for its turn (one per connection). */
const waiting = new WeakSet<Socket>();

/**
 * Writes the port's own answer to the message still arriving on `socket` (`write`, which writes on the socket and
 * closes it) in its turn: at once when no answer of an earlier request of the connection is owed, else once every one
 * is written whole, the connection read no more meanwhile. Past `ms` milliseconds (or a graceful stop's deadline,
 * own-answer-close.ts) the connection is closed instead, with nothing of the port's written (see the file's note). A
 * second call for a connection already waiting is ignored.
 */
export function answerInTurn(socket: Socket, ms: number, write: () => void): void {
  if (waiting.has(socket)) return;
  // The request still arriving has an answer of its own here once its head was read: not one owed before it, unless
  // it was answered already before its body came (a hook's refusal), which is then written before the close.
  const earlier = [...owedTo(socket).requests.values()].filter((res) => (res.req.complete || res.headersSent) && !res.writableFinished);
  if (earlier.length === 0) {
    write();
    return;
  }
  waiting.add(socket);
  stopReading(socket);
  let left = earlier.length;
  // Closed past the bound, or by a stop's deadline (own-answer-close.ts).
  closeWithin(socket, ms);
  const done = (): void => {
    if (--left > 0) return;
    cancelClose(socket);
    if (!socket.destroyed) write();
  };
  for (const res of earlier) res.once('close', done);
}

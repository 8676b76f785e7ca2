/**
 * A client that ends its side of the connection once its request is sent (a half-close: `shutdown(SHUT_WR)`, as
 * `nc -N` or a client that has nothing more to send does) still reads its answers: HTTP/1.1 lets a connection close
 * one way at a time, and the POS port (`allowHalfOpen`) answers such a client too. Node's HTTP server, by default,
 * takes the client's end as the end of the connection: it aborts every request of the connection still in progress
 * and ends its own side at once, so the answer of a purchase at the bank was never written (the approval reversed,
 * the client given a closed connection and no answer). Here the connection stays open for writing after the client's
 * end: the answers owed are written in order, and Node closes the connection after the last one (or at once when none
 * is owed). A request still arriving at the client's end is not HTTP (Node's parse error: answered 400 in its turn,
 * request-deadline.ts). Bounded as any connection is: by the routes' own timeouts, the stop's deadline and the
 * connection cap. A connection holding a stream (a console event stream, `markStream`: it runs until its client goes)
 * is closed at its client's end, as before: its client has gone, and the stream would otherwise hold the connection
 * until its next event finds it gone.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { isStream } from './connection-cap.js';
import { owedTo } from './owed-answers.js';

/**
 * Keeps `server`'s connections writable after their client's end, until the answers owed are written (see the file's
 * note): Node's own `httpAllowHalfOpen` (set on every `http.Server`, false by default, not in its type declarations).
 * Call before `listen`.
 */
export function answerHalfClosed(server: Server): void {
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // Watched from a connection's first request (the socket a request comes on: over TLS too), when a stream can begin.
  const watched = new WeakSet<Socket>();
  server.on('request', (req: IncomingMessage) => {
    const socket = req.socket;
    if (watched.has(socket)) return;
    watched.add(socket);
    socket.once('end', () => {
      for (const res of owedTo(socket).requests.values()) {
        if (isStream(res)) {
          socket.destroy();
          return;
        }
      }
    });
  });
}

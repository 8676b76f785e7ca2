/**
 * A graceful stop's close of the idle connections in doubt (pipeline-cap.ts: a client that held a pipelined request
 * back, whose answers written whole are kept till the close and reversed if the close may have cut them). Node's
 * `server.close()` (which Fastify's `close` calls; Fastify calls `closeIdleConnections` itself only for a server of
 * its `serverFactory`, with `forceCloseConnections: 'idle'`) destroys every idle connection at once
 * (`closeIdleConnections`): a client still sending then is reset, which throws away the answers it had not read, and
 * the cut test of a connection in doubt (an error seen) counted them delivered. So a connection in doubt is closed
 * there as one evicted at the cap (answered-close.ts, `closeAnswered`): its side ended, what its client sends read and
 * thrown away for up to 2 s (the stop's deadline at most: own-answer-close.ts), its answers then judged by the
 * lingering close's cut test (linger-close.ts: delivered to a client that ends its side or stays silent, reversed if it
 * sent during the linger). One lingering already goes on lingering. Other connections are left to Node.
 */
import type { Server } from 'node:http';
import { Socket } from 'node:net';
import { alsoCut, openInDoubt } from '@iso8583/connector/delivery-doubt';
import { closeAnswered } from './answered-close.js';
import { cutByDestroy, readingAt, type Reading } from './connection-cap.js';
import { LINGER_MS } from './linger-close.js';
import { serverOf } from './own-answer-close.js';
import { gone } from './pipeline-cap.js';

/** Servers whose idle connections in doubt linger at their close ({@link lingerIdleInDoubt}). */
const lingered = new WeakSet<Server>();

/**
 * Makes `server`'s `closeIdleConnections` (called by its `close`) close each idle connection in doubt lingering
 * instead of destroying it (see the file's note), for `lingerMs` at most (default {@link LINGER_MS}; a test sets a
 * bound of its own). Once per server; call before `listen`. Costs nothing per connection; at the stop, one look at
 * each connection in doubt still open across the process (the connector's `openInDoubt`).
 */
export function lingerIdleInDoubt(server: Server, lingerMs = LINGER_MS): void {
  if (lingered.has(server)) return;
  lingered.add(server);
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = (): void => {
    // Node destroys each connection its list holds idle (no request being read on it), except one whose current answer
    // is not ended yet (`res.end` not called): for those in doubt among them, a lingering close instead, for the time
    // of its call. Those in doubt are gathered first: a close changes the set walked.
    const shadowed: Socket[] = [];
    for (const socket of openInDoubt()) {
      if (serverOf(socket) !== server || socket.destroyed || Object.hasOwn(socket, 'destroy')) continue;
      shadowed.push(socket);
    }
    for (const socket of shadowed) {
      socket.destroy = function lingerInstead(this: Socket): Socket {
        // Seen before the linger reads anything away: its cut test (input read during the linger) knows nothing of it.
        let seen: Reading = { ended: false, unread: true };
        try {
          seen = readingAt(this);
          if (!gone(this)) closeAnswered(this, lingerMs);
        } catch {
          // A throw here escaped `server.close()`, the port left listening: the socket is destroyed as Node would have,
          // its answers judged as such a destroy's (cut if input lay unread then, its client not ended; cut when even
          // that judgement throws), and destroyed whatever happens.
          try {
            cutByDestroy(this, seen);
          } catch {
            alsoCut(this, () => true);
          } finally {
            Socket.prototype.destroy.call(this);
          }
        }
        return this;
      };
    }
    try {
      closeIdle();
    } finally {
      for (const socket of shadowed) delete (socket as Partial<Socket>).destroy;
    }
  };
}

/**
 * A graceful stop's close of the idle connections in doubt (pipeline-cap.ts: a client that held a pipelined request
 * back, whose answers written whole are kept till the close and reversed if the close may have cut them). Node's
 * `server.close()` (and Fastify's `forceCloseConnections: 'idle'`) destroys every idle connection at once
 * (`closeIdleConnections`): a client still sending then is reset, which throws away the answers it had not read, and
 * the cut test of a connection in doubt (an error seen) counted them delivered. So a connection in doubt is closed
 * there as one evicted at the cap (answered-close.ts, `closeAnswered`): its side ended, what its client sends read and
 * thrown away for up to 2 s (the stop's deadline at most: own-answer-close.ts), its answers then judged by the
 * lingering close's cut test (linger-close.ts: delivered to a client that ends its side or stays silent, reversed if it
 * sent during the linger). One lingering already goes on lingering. Other connections are left to Node.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { inDoubt } from '@iso8583/connector/delivery-doubt';
import { closeAnswered } from './answered-close.js';
import { gone } from './pipeline-cap.js';

/** Servers whose idle connections in doubt linger at their close ({@link lingerIdleInDoubt}). */
const lingered = new WeakSet<Server>();

/**
 * Makes `server`'s `closeIdleConnections` (called by its `close`) close each idle connection in doubt lingering
 * instead of destroying it (see the file's note). Once per server; call before `listen`. Costs a set entry per
 * connection held, and at the stop one look at each.
 */
export function lingerIdleInDoubt(server: Server): void {
  if (lingered.has(server)) return;
  lingered.add(server);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = (): void => {
    // Node destroys the idle ones among them (a connection with an answer in progress it leaves): for those in doubt, a
    // lingering close instead, for the time of its call.
    const shadowed: Socket[] = [];
    for (const socket of sockets) {
      if (socket.destroyed || !inDoubt(socket) || Object.hasOwn(socket, 'destroy')) continue;
      socket.destroy = function lingerInstead(this: Socket): Socket {
        if (!gone(this)) closeAnswered(this);
        return this;
      };
      shadowed.push(socket);
    }
    try {
      closeIdle();
    } finally {
      for (const socket of shadowed) delete (socket as Partial<Socket>).destroy;
    }
  };
}

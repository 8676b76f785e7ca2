/**
 * When a connection the port answers itself is closed at the latest: one whose own answer (a 408, a 400) waits for the
 * answers owed before it (answer-in-turn.ts: at most the request bound), or one answered and lingering for its client
 * to read the answer (request-deadline.ts: at most `LINGER_MS`). Once a graceful stop has begun, the stop's deadline
 * bounds both ({@link closeOwnAnswersBy}): the request bound is the upstream's timeout (30 s by default), longer than
 * the gateway's shutdown deadline (10 s), and such a connection held the stop past its deadline, to the abort of
 * whatever else was left. An answer owed on it and not written whole by then is cut with the connection, as for any
 * connection cut (the routes reverse an approval whose answer was not written whole).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** A connection's close to come. */
interface Closing {
  /** When (`Date.now()`). */
  at: number;
  timer: NodeJS.Timeout;
}

/** The stop deadline of each server whose stop has begun (`Date.now()`). */
const stops = new WeakMap<Server, number>();

/** Each connection's close to come. */
const closings = new WeakMap<Socket, Closing>();

/** The connections of each server with a close to come. */
const pending = new WeakMap<Server, Set<Socket>>();

/** The server that accepted `socket` (Node's `net` sets it on every socket a server accepts). */
export function serverOf(socket: Socket): Server | undefined {
  return (socket as Socket & { server?: Server }).server;
}

/**
 * Closes `socket` (destroys it) in `ms` milliseconds, or by its server's stop deadline if that comes first; replaces a
 * close to come set before for it.
 */
export function closeWithin(socket: Socket, ms: number): void {
  const server = serverOf(socket);
  const stop = server === undefined ? undefined : stops.get(server);
  const at = Math.min(Date.now() + ms, stop ?? Infinity);
  const before = closings.get(socket);
  if (before !== undefined) clearTimeout(before.timer);
  else {
    socket.once('close', () => cancelClose(socket));
    if (server !== undefined) {
      const mine = pending.get(server);
      if (mine === undefined) pending.set(server, new Set([socket]));
      else mine.add(socket);
    }
  }
  const timer = setTimeout(() => socket.destroy(), Math.max(0, at - Date.now()));
  timer.unref();
  closings.set(socket, { at, timer });
}

/** Forgets the close to come of `socket` ({@link closeWithin}), if any. */
export function cancelClose(socket: Socket): void {
  const closing = closings.get(socket);
  if (closing === undefined) return;
  clearTimeout(closing.timer);
  closings.delete(socket);
  const server = serverOf(socket);
  if (server !== undefined) pending.get(server)?.delete(socket);
}

/**
 * A graceful stop of `server` has begun and ends by `until` (`Date.now()` ms): every connection it answers itself is
 * closed by then at the latest, those already waiting or lingering and those to come.
 */
export function closeOwnAnswersBy(server: Server, until: number): void {
  stops.set(server, Math.min(until, stops.get(server) ?? Infinity));
  for (const socket of pending.get(server) ?? []) {
    const closing = closings.get(socket);
    if (closing !== undefined && closing.at > until) closeWithin(socket, until - Date.now());
  }
}

/**
 * When each connection of a capped listener was last heard from (connection-cap.ts): the time it was accepted, its
 * request head came, or bytes were first seen read from it since the last look (`socket.bytesRead`: Node's HTTP parser
 * reads the socket itself, with no event per chunk, so the count is looked at when it matters, each time room is
 * made at the cap). A client uploading a body is heard from at each look; one that sent its head and stalls, or that
 * connected and said nothing, is not.
 */
import type { Socket } from 'node:net';

/** What was read from a connection (`bytesRead`) when it was last heard from, and when (`performance.now()`). */
interface Heard {
  bytes: number;
  at: number;
}

const heard = new WeakMap<Socket, Heard>();

/** Notes `socket` as heard from `at` (its accept, its request's head), with the bytes read from it so far. */
export function heardFrom(socket: Socket, at: number): void {
  heard.set(socket, { bytes: socket.bytesRead, at });
}

/** When `socket` was last heard from, as of `now`: `now` when bytes were read from it since the last look. */
export function lastHeard(socket: Socket, now: number): number {
  const bytes = socket.bytesRead;
  const seen = heard.get(socket);
  if (seen === undefined) {
    heard.set(socket, { bytes, at: now });
    return now;
  }
  if (seen.bytes !== bytes) {
    seen.bytes = bytes;
    seen.at = now;
  }
  return seen.at;
}

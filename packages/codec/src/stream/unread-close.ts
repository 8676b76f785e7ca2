/**
 * The close of a `MessageStream` (message-stream.ts) whose reading is paused. A TCP socket closed while bytes its peer
 * sent wait unread in the kernel is reset (RFC 2525, "Failure to send a RST after Half Duplex Close"; Linux does so),
 * and the reset throws away what the kernel still had to send: frames the kernel took (written, so never reported
 * `dropped`) would never reach the peer. A client that does not read its replies but goes on sending (reading paused
 * for back-pressure) leaves just that. So such a socket first reads out and throws away what waits, and closes once a
 * turn of the event loop's polls brings nothing more (or its end comes), at most {@link UNREAD_WAIT} ms: the kernel then
 * sends what it took, before its FIN. A peer that goes on sending after the close can still have it reset; none of
 * that is known here, and nothing but the close decides it.
 */
import type { Duplex } from 'node:stream';

/** The longest a paused socket's close waits for what its peer sent to be read out (ms). */
export const UNREAD_WAIT = 100;

/** True when `stream` is a socket (it has a handle) whose reading is paused: bytes may wait unread in its kernel. */
export function mayHoldUnread(stream: Duplex): boolean {
  const handle = (stream as Duplex & { _handle?: unknown })._handle;
  return handle !== undefined && handle !== null && !stream.destroyed && stream.readableFlowing !== true && !stream.readableEnded;
}

/**
 * Reads `stream` (its bytes thrown away by its reader, which counts them in `read()`) until a poll of the event loop
 * brings none, its end, its close, or {@link UNREAD_WAIT} ms; then calls `close` once.
 */
export function readOutThenClose(stream: Duplex, read: () => number, close: () => void): void {
  let done = false;
  let seen = -1;
  let turns = 0;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(cap);
    stream.off('end', finish);
    stream.off('close', finish);
    close();
  };
  const cap = setTimeout(finish, UNREAD_WAIT);
  stream.once('end', finish);
  stream.once('close', finish);
  // Each check runs after a poll of the event loop (the reads): two turns at least, then until one brings nothing.
  const check = (): void => {
    if (done) return;
    const now = read();
    if (now === seen && turns >= 2) {
      finish();
      return;
    }
    seen = now;
    turns += 1;
    setImmediate(check);
  };
  stream.resume();
  setImmediate(check);
}

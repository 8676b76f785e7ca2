/**
 * The close of a `MessageStream` (message-stream.ts) whose socket its peer has not ended. A TCP socket closed while
 * bytes its peer sent wait unread in the kernel is reset (RFC 2525, "Failure to send a RST after Half Duplex Close";
 * Linux does so), and the reset throws away what the kernel still had to send: frames the kernel took (written, so
 * never reported `dropped`) would never reach the peer. A client that does not read its replies but goes on sending
 * (reading paused for back-pressure) leaves just that; so does a peer still sending to a flowing socket (a read takes
 * what one poll brings, the kernel may hold more). So such a socket, paused or flowing, first reads out and throws away
 * what waits, and closes once a turn of the event loop's polls brings nothing more (or its end comes): the kernel then
 * sends what it took, before its FIN.
 *
 * The read-out is bounded by what the peer sends, never by a wall clock: on a loaded machine a turn of the event loop
 * can take longer than any fixed wait, and a close cut short by a clock resets the connection and loses what the
 * kernel took (a peer reading with Node.js sees such a reset as a plain end after the bytes it had: libuv reports the
 * hang-up after a short read as the end, so the loss is silent there). A peer that never stops sending cannot hold the
 * close open for ever: after {@link UNREAD_LIMIT} bytes or {@link UNREAD_TURNS} turns that each brought some, the read-out
 * is cut short, and `close` is told so (its bytes still arriving, the close will be a reset: the owner then counts
 * nothing the kernel took as delivered). A peer that sends again after a close can still have it reset; none of that
 * is known here, and nothing but the close decides it.
 */
import type { Duplex } from 'node:stream';

/** The most bytes a paused socket's close reads out (and throws away) before it is cut short: 16 MiB. */
export const UNREAD_LIMIT = 16 * 1024 * 1024;

/** The most turns of the event loop, each bringing bytes, a paused socket's close reads out before it is cut short. */
export const UNREAD_TURNS = 1000;

/** How far a read-out may go (defaults: {@link UNREAD_LIMIT} bytes, {@link UNREAD_TURNS} turns). */
export interface UnreadBounds {
  /** The most bytes read out. */
  readonly bytes: number;
  /** The most turns of the event loop. */
  readonly turns: number;
}

/**
 * True when `stream` is a socket (it has a handle) not yet ended by its peer: bytes may wait unread in its kernel. Paused
 * or flowing alike: a flowing socket's reads take what one poll brings, and a peer still sending leaves more behind.
 */
export function mayHoldUnread(stream: Duplex): boolean {
  const handle = (stream as Duplex & { _handle?: unknown })._handle;
  return handle !== undefined && handle !== null && !stream.destroyed && !stream.readableEnded;
}

/**
 * Reads `stream` (its bytes thrown away by its reader, which counts them in `read()`) until a poll of the event loop
 * brings none, its end or its close (`close(true)`: read out), or until `bounds` are passed (`close(false)`: cut short,
 * bytes may still wait); calls `close` once.
 */
export function readOutThenClose(
  stream: Duplex,
  read: () => number,
  close: (readOut: boolean) => void,
  bounds: UnreadBounds = { bytes: UNREAD_LIMIT, turns: UNREAD_TURNS },
): void {
  let done = false;
  let seen = -1;
  let turns = 0;
  const finish = (readOut: boolean): void => {
    if (done) return;
    done = true;
    stream.off('end', ended);
    stream.off('close', ended);
    close(readOut);
  };
  const ended = (): void => finish(true);
  stream.once('end', ended);
  stream.once('close', ended);
  // Each check runs after a poll of the event loop (the reads): two turns at least, then until one brings nothing.
  const check = (): void => {
    if (done) return;
    const now = read();
    if (now === seen && turns >= 2) {
      finish(true);
      return;
    }
    if (now >= bounds.bytes || turns >= bounds.turns) {
      finish(false);
      return;
    }
    seen = now;
    turns += 1;
    setImmediate(check);
  };
  stream.resume();
  setImmediate(check);
}

/**
 * The close of a `MessageStream` (message-stream.ts) whose socket its peer has not ended. A TCP socket closed while
 * bytes its peer sent wait unread in the kernel is reset (RFC 2525, "Failure to send a RST after Half Duplex Close";
 * Linux does so), and so is one closed before bytes its peer sent arrive (Linux: "abort on data"); the reset throws away
 * what the kernel still had to send: frames the kernel took (written, so never reported `dropped`) would never reach the
 * peer. A client that does not read its replies but goes on sending (reading paused for back-pressure) leaves just
 * that; so does a peer still sending to a flowing socket (a read takes what one poll brings, the kernel may hold more).
 *
 * So such a socket, paused or flowing, is first half-closed (`end()`: its FIN follows what was written; a write under
 * way still goes on while the peer reads) and read out, what waits thrown away, until the peer's own end (its FIN:
 * nothing more can come, the close is certain to be no reset) or its close. A peer that neither ends nor sends (one
 * that does not read, so never sees the FIN) is waited for {@link UNREAD_QUIET_MS} with nothing arriving, counted after
 * polls of the event loop (a stalled process reads what came meanwhile before it decides): a poll that brings nothing is
 * no proof on a loaded machine (the peer's kernel, held back by the receive window the read-out just opened, can be
 * late), so the close waits that long past the last byte. That costs each such close {@link UNREAD_QUIET_MS}; bytes of
 * the peer later still than that would still have it reset.
 *
 * A peer that never stops sending cannot hold the close open for ever: after {@link UNREAD_LIMIT} bytes, {@link
 * UNREAD_TURNS} turns that each brought some, or {@link UNREAD_MAX_MS} in all, the read-out is cut short, and `close` is
 * told so (its bytes still arriving, the close will be a reset: the owner then counts nothing of the write under way as
 * delivered). A peer that sends again after a close can still have it reset; none of that is known here.
 */
import type { Duplex } from 'node:stream';

/** The most bytes a socket's close reads out (and throws away) before it is cut short: 16 MiB. */
export const UNREAD_LIMIT = 16 * 1024 * 1024;

/** The most turns of the event loop, each bringing bytes, a socket's close reads out before it is cut short: 1,000. */
export const UNREAD_TURNS = 1000;

/** Milliseconds with nothing arriving (after two polls at least) before a peer that has not ended is taken as done: 500. */
export const UNREAD_QUIET_MS = 500;

/** The most milliseconds a read-out lasts before it is cut short (a peer trickling bytes): 10,000. */
export const UNREAD_MAX_MS = 10_000;

/**
 * How far a read-out may go (defaults: {@link UNREAD_LIMIT} bytes, {@link UNREAD_TURNS} turns, {@link UNREAD_QUIET_MS}
 * quiet, {@link UNREAD_MAX_MS} in all).
 */
export interface UnreadBounds {
  /** The most bytes read out. */
  readonly bytes: number;
  /** The most turns of the event loop that brought bytes. */
  readonly turns: number;
  /** Milliseconds with nothing arriving before the peer is taken as done (default {@link UNREAD_QUIET_MS}). */
  readonly quietMs?: number;
  /** The most milliseconds in all (default {@link UNREAD_MAX_MS}). */
  readonly maxMs?: number;
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
 * Half-closes `stream` and reads it (its bytes thrown away by its reader, which counts them in `read()`) until its end
 * or its close, or until nothing has come for `bounds.quietMs` (`close(true)`: read out), or until `bounds` are passed
 * (`close(false)`: cut short, bytes may still come); calls `close` once. Returns the owner's cut: no more quiet wait,
 * the read-out ends once two polls in a row bring nothing (`close(true)`; a peer still sending is read out first, or
 * its close would reset what the kernel took), `bounds` still holding.
 */
export function readOutThenClose(
  stream: Duplex,
  read: () => number,
  close: (readOut: boolean) => void,
  bounds: UnreadBounds = { bytes: UNREAD_LIMIT, turns: UNREAD_TURNS },
): () => void {
  let quietMs = bounds.quietMs ?? UNREAD_QUIET_MS;
  const started = performance.now();
  const maxMs = bounds.maxMs ?? UNREAD_MAX_MS;
  let done = false;
  let seen = read();
  let lastGrowth = started;
  let busyTurns = 0;
  let quietTurns = 0;
  let timer: NodeJS.Timeout | undefined;
  const finish = (readOut: boolean): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    stream.off('end', ended);
    stream.off('close', ended);
    close(readOut);
  };
  const ended = (): void => finish(true);
  stream.once('end', ended);
  stream.once('close', ended);
  // Each check runs in the check phase, after a poll of the event loop (the reads); a timer only schedules one.
  const check = (): void => {
    if (done) return;
    const now = read();
    const at = performance.now();
    if (now !== seen) {
      seen = now;
      lastGrowth = at;
      quietTurns = 0;
      busyTurns += 1;
      if (now >= bounds.bytes || busyTurns >= bounds.turns || at - started >= maxMs) finish(false);
      else setImmediate(check);
      return;
    }
    quietTurns += 1;
    const left = lastGrowth + quietMs - at;
    if (quietTurns >= 2 && left <= 0) finish(true);
    else if (at - started >= maxMs) finish(false);
    else if (quietTurns < 2) setImmediate(check);
    else timer = setTimeout(() => ((timer = undefined), setImmediate(check)), Math.min(left, started + maxMs - at));
  };
  stream.resume();
  // The FIN after what was written: a peer that reads sees the end and ends its side (certain: nothing more comes).
  if (!stream.writableEnded) stream.end();
  setImmediate(check);
  return () => {
    if (done || quietMs === 0) return;
    quietMs = 0;
    // A check already on its way (no timer) counts the polls itself: a second one would count one poll twice.
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    setImmediate(check);
  };
}

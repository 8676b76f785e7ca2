/**
 * Connections whose close may throw away answers already written whole on them (the CLI's HTTP port marks those it closes
 * lingering: at its caps, a 408 or 503, a 413; and those holding a pipelined request back: a client that may read
 * nothing). An answer written whole is handed to the system, not
 * to the client: it waits in our send buffer, then in the client's receive buffer, until the client reads it. A close
 * that resets the connection (our close meeting bytes the client still sends: Linux's `TCPAbortOnData`) throws away
 * what was still there, and the routes had counted it delivered (undelivered-answer.ts: an approval neither delivered
 * nor reversed).
 *
 * So on a connection in doubt an answer written whole is kept, its settling put off to the connection's close: counted
 * undelivered there if the close may have cut it (`cut`, told by whoever marked it), delivered otherwise. Kept, bounded:
 * only the answers written within the last {@link DOUBT_WINDOW_BYTES} of the connection (by its `bytesWritten`), at most
 * {@link DOUBT_MAX_ANSWERS}; an older one is settled delivered. What is kept is the settling the routes hold for an
 * answer not yet written whole anyway (its request and reply), nothing more.
 *
 * Why an answer older than the window was delivered: the bytes of a TCP connection not yet read by its peer's
 * application are in our send buffer (at most its size, `tcp_wmem`'s maximum) or in the peer's receive buffer (at most
 * its size, `tcp_rmem`'s maximum on the peer's host); bytes still in Node's or libuv's queues are not in the kernel yet
 * and are left out of the count (see {@link keepInDoubt}). Once the kernel has taken more than both sizes after an
 * answer's last byte, that byte was read by the client: no close can take it back. A module of its own (package subpath
 * `./delivery-doubt`), so that the CLI marks connections without loading the routes.
 *
 * Across the process the answers kept are bounded too ({@link DOUBT_MAX_KEPT}): the answers kept and those owed on
 * connections in doubt (promised a place: {@link oweInDoubt}) count together, and a new request on a connection in
 * doubt is admitted ({@link admitInDoubt}) only while they are under the bound; its server refuses it otherwise, before
 * any route (no money moves), and closes the connection keeping the most answers with nothing at the routes
 * ({@link heaviestInDoubt}), whose close settles them and makes room. A kept answer is never settled early to make
 * room: that would count delivered an answer a reset may still throw away.
 */
import type { Socket } from 'node:net';

/**
 * Bytes written after an answer past which it counts delivered on a connection in doubt: 64 MiB. Linux's maxima of a
 * TCP connection's buffers are the third column of /proc/sys/net/ipv4/tcp_wmem (our send buffer: 4 MiB by default)
 * and of the peer's tcp_rmem (its receive buffer: 6 MiB by default, 32 MiB on some distributions, and the peer's host
 * may be tuned further). 64 MiB covers 4 + 32 MiB with room: a window too small would count an answer still in the
 * buffers delivered, one too large only reverses more when the gateway cuts a client that reads nothing.
 */
export const DOUBT_WINDOW_BYTES = 64 * 1024 * 1024;

/**
 * Answers kept at most on one connection in doubt, the oldest settled delivered beyond it: 8192 (about the answers of
 * 1.3 KB, an approval with a long field 48, that fill 10 MiB of buffers; each holds its request and reply, a few KB).
 */
export const DOUBT_MAX_ANSWERS = 8192;

/**
 * Answers kept at once across the process's connections in doubt (with the answers owed there: {@link admitInDoubt}),
 * by default: 16384, as the HTTP port's held-back budget (about 5 KB each: their request, reply and answer, some 80
 * MB). Past it a request on a connection in doubt is refused; those owed when a connection is marked
 * ({@link oweInDoubt}: at most the requests a connection has at the routes at once, 32 at the gateway) come on top:
 * worst case 32 per connection marked at the bound (at the gateway's 1000 connections, some 48,000 answers, 150-240
 * MB), until the connections its server closes for room ({@link heaviestInDoubt}) close, within their linger (2 s).
 */
export const DOUBT_MAX_KEPT = 16_384;

/** Answers kept across the process, not settled yet. */
let keptTotal = 0;
/** Answers owed on connections in doubt (not written whole nor cut yet), promised a place ({@link oweInDoubt}). */
let owedTotal = 0;

/** Answers kept across the process now, their settling put off to their connection's close (read-only, for tests). */
export function keptInDoubt(): number {
  return keptTotal;
}

/** Answers owed on connections in doubt now and counted against {@link DOUBT_MAX_KEPT} (read-only, for tests). */
export function owedInDoubt(): number {
  return owedTotal;
}

/** A connection in doubt: how to tell whether its close cut what was written, and the answers kept till then. */
interface Doubt {
  cut: () => boolean;
  /** Answers owed on it and counted in `owedTotal`; `closed` once it closed (what it owed is let go then). */
  owed: number;
  closed: boolean;
  /** Each kept answer's end (`bytesWritten` when written whole, at least its last byte) and its undelivered report. */
  kept: Array<{ end: number; undelivered: () => void }>;
  /** The first kept answer still in `kept` (those before it are settled). */
  first: number;
  /** The connection's `bytesRead` when its last answer was kept: more read since means its client sent after it. */
  readAtKept: number;
}

const doubts = new WeakMap<Socket, Doubt>();

/** The connections in doubt not closed yet (at most the server's connections): looked through by {@link heaviestInDoubt}. */
const open = new Map<Socket, Doubt>();

/** What a settled answer's slot in `kept` holds till the slots are dropped: nothing of the answer. */
const SETTLED = { end: 0, undelivered: (): void => undefined };

/** The default `cut`: an error on the connection (a reset) before it closed. */
const errored = new WeakSet<Socket>();

/**
 * From now on, an answer written whole on `socket` counts delivered only once the connection closes and `cut()` then
 * says false, or once it is older than the window (see the file's note); otherwise its routes' `onUndelivered` is told
 * (`client-gone`: an approval reversed). `cut` defaults to: an error (a reset) was seen on the connection. Marking a
 * connection again replaces its `cut` and keeps the answers kept.
 */
export function deliveryInDoubt(socket: Socket, cut?: () => boolean): void {
  const doubt = doubts.get(socket);
  const told = cut ?? (() => errored.has(socket));
  if (doubt !== undefined) {
    doubt.cut = told;
    return;
  }
  const made: Doubt = { cut: told, owed: 0, closed: false, kept: [], first: 0, readAtKept: socket.bytesRead };
  doubts.set(socket, made);
  // A socket closed already tells no `close` again: none to look through.
  if (!socket.closed) open.set(socket, made);
  socket.on('error', () => errored.add(socket));
  socket.once('close', () => {
    open.delete(socket);
    const cutThere = made.cut();
    const kept = made.kept.slice(made.first);
    made.kept = [];
    made.first = 0;
    keptTotal -= kept.length;
    made.closed = true;
    owedTotal -= made.owed;
    made.owed = 0;
    if (cutThere) for (const answer of kept) answer.undelivered();
  });
}

/**
 * The connections in doubt ({@link deliveryInDoubt}) not closed yet, across the process: a read-only walk (a graceful
 * stop looks through its server's, idle-doubt-close.ts in the CLI). No copy; do not close one while walking.
 */
export function openInDoubt(): IterableIterator<Socket> {
  return open.keys();
}

/** Whether `socket` is in doubt ({@link deliveryInDoubt}): its answers written whole are kept ({@link keepInDoubt}). */
export function inDoubt(socket: Socket): boolean {
  return doubts.has(socket);
}

/** Answers counted by {@link oweInDoubt} already. */
const owing = new WeakSet<object>();

/**
 * Counts `res`, an answer owed on `socket` (in doubt: else nothing is done), against {@link DOUBT_MAX_KEPT} until it
 * closes (written whole: then kept, or cut) or its connection does; once per answer. Without a check: for the answers
 * already at the routes when their connection is marked, which can no longer be refused.
 */
export function oweInDoubt(socket: Socket, res: { once(event: 'close', fn: () => void): unknown }): void {
  const doubt = doubts.get(socket);
  if (doubt === undefined || doubt.closed || socket.closed || owing.has(res)) return;
  owing.add(res);
  doubt.owed++;
  owedTotal++;
  res.once('close', () => {
    if (doubt.closed) return;
    doubt.owed--;
    owedTotal--;
  });
}

/**
 * Whether a new request on `socket` may go to the routes: always when `socket` is not in doubt (one WeakMap lookup);
 * on a connection in doubt, while the answers kept and owed across the process are under `max` (default
 * {@link DOUBT_MAX_KEPT}), its answer `res` then counted owed ({@link oweInDoubt}). Refused otherwise: its server
 * answers it without a route (no money moves), and a later request may pass once kept answers settle.
 */
export function admitInDoubt(socket: Socket, res: { once(event: 'close', fn: () => void): unknown }, max = DOUBT_MAX_KEPT): boolean {
  if (!doubts.has(socket)) return true;
  if (keptTotal + owedTotal >= max) return false;
  oweInDoubt(socket, res);
  return true;
}

/**
 * Adds `more` to the cut test of `socket` (in doubt; else nothing): its kept answers count cut at its close if the
 * test it had says so, or `more` does.
 */
export function alsoCut(socket: Socket, more: () => boolean): void {
  const doubt = doubts.get(socket);
  if (doubt === undefined) return;
  const before = doubt.cut;
  doubt.cut = () => before() || more();
}

/** Whether bytes were read from `socket` (in doubt) since its last answer was kept: its client sent after it. */
export function heardSinceKept(socket: Socket): boolean {
  const doubt = doubts.get(socket);
  return doubt !== undefined && socket.bytesRead > doubt.readAtKept;
}

/**
 * The connection in doubt, not closed yet, that keeps the most answers (at least one) among those `closable` allows: the
 * one to close for room once the bound `max` (default {@link DOUBT_MAX_KEPT}) is reached ({@link admitInDoubt}
 * refusing). `undefined` when none may be closed, or when the connections `closing` already (lingering: a connection
 * closed for room before, one evicted at a cap, a 408 or a 413) will free room enough at their closes (soon): the
 * answers they keep and owe, taken from those kept and owed across the process, leave less than `max`. Only that room
 * is counted, not any closing connection: else a steady stream of connections closing, each keeping an answer or two,
 * kept the bound full and every new request on a connection in doubt refused for as long as it lasted. Looks through
 * each open connection in doubt once (at most the server's connection cap), only when a request is refused.
 */
export function heaviestInDoubt(closable: (socket: Socket) => boolean, closing: (socket: Socket) => boolean, max = DOUBT_MAX_KEPT): Socket | undefined {
  let heaviest: Socket | undefined;
  let most = 0;
  let freeing = 0;
  for (const [socket, doubt] of open) {
    const kept = doubt.kept.length - doubt.first;
    if (kept === 0 && doubt.owed === 0) continue;
    if (closing(socket)) {
      freeing += kept + doubt.owed;
      continue;
    }
    if (kept > most && closable(socket)) {
      heaviest = socket;
      most = kept;
    }
  }
  return keptTotal + owedTotal - freeing < max ? undefined : heaviest;
}

/** The bytes of `socket` the kernel has surely taken: those written less those still queued in Node (its `writableLength`). */
function takenByKernel(socket: Socket): number {
  // `writableLength` counts a string by its length, and a UTF-16 unit is at most 3 bytes of UTF-8: so the lower bound.
  return socket.bytesWritten - 3 * socket.writableLength;
}

/**
 * Keeps an answer just written whole on `socket` (in doubt: {@link inDoubt}) until the connection closes: `undelivered`
 * is called then if the close may have cut it. Answers kept that the window or the count now leaves behind are let go
 * (delivered).
 */
export function keepInDoubt(socket: Socket, undelivered: () => void): void {
  const doubt = doubts.get(socket);
  if (doubt === undefined) return;
  // Written whole, then its connection closed before its response did: settled now.
  if (socket.closed) {
    if (doubt.cut()) undelivered();
    return;
  }
  // `bytesWritten` counts what Node still queues too: at least this answer's last byte.
  doubt.kept.push({ end: socket.bytesWritten, undelivered });
  doubt.readAtKept = socket.bytesRead;
  keptTotal++;
  const taken = takenByKernel(socket);
  while (doubt.first < doubt.kept.length && (taken - doubt.kept[doubt.first]!.end > DOUBT_WINDOW_BYTES || doubt.kept.length - doubt.first > DOUBT_MAX_ANSWERS)) {
    // Settled: its report (which holds the request, the reply and the answer) is let go now, not at the next compaction.
    doubt.kept[doubt.first] = SETTLED;
    doubt.first++;
    keptTotal--;
  }
  // The settled ones are dropped now and then, not one by one.
  if (doubt.first > 64 && doubt.first * 2 > doubt.kept.length) {
    doubt.kept = doubt.kept.slice(doubt.first);
    doubt.first = 0;
  }
}

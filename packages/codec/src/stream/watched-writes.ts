/**
 * The writes of a `MessageStream` (message-stream.ts) whose frames have `dropped` callbacks: what a destroy reports as never
 * delivered. A frame the kernel already took whole is delivered (a socket closed by this side still sends it, and the
 * peer reads it); only the frames in the tail the kernel has not taken are reported, so that an approval the client
 * got is never reversed as one it never got, nor one it never got left unreported.
 */
import type { Duplex } from 'node:stream';

/** A write of frames with `dropped` callbacks, handed to the stream and not yet called back. */
export interface WatchedWrite {
  /** Where its bytes start among all the bytes the message stream has handed to the socket, watched or not. */
  readonly start: number;
  /** The callbacks of its frames that are not known to have reached the kernel. */
  dropped: (() => void)[];
  /** Where each of those frames ends in its bytes (same order). */
  ends: number[];
  /** The token of each of those frames (-1: none; same order; recent-writes.ts). */
  tokens: number[];
}

/** Calls each `dropped` callback once; a throw is its owner's. */
export function tell(dropped: readonly (() => void)[]): void {
  for (const d of dropped) {
    try {
      d();
    } catch {
      // The callback's owner guards its own failures (the inbound endpoint counts and logs them).
    }
  }
}

/**
 * Before `stream` is destroyed: takes out of `watched` the callbacks of the frames the kernel already took whole.
 * `written`: every byte the message stream has handed to `stream` (watched writes or not), the place each watched
 * write's `start` counts in. The bytes not in the kernel are the socket's own figures (its handle's `writeQueueSize`,
 * plus what Node still buffers beyond the write under way): a tail of the bytes written, so a frame ending before
 * `written` less that tail is in the kernel. Should some of that tail not be the message stream's (a write made on the
 * socket directly), the tail only seems longer: more frames are reported, never fewer. Without those figures (not a
 * socket), nothing is taken out: every frame not yet called back is reported, erring towards a reversal (an approval
 * the client may have got reversed) rather than an approval it never got left standing. Over TLS (Node 20) the TLS
 * handle's `writeQueueSize` is the size of the whole encrypted write under way, not what is left of it: every frame of
 * that write is reported, on the same side (message-stream-dropped-tls.test.ts pins it).
 */
export function keepDelivered(stream: Duplex, watched: ReadonlySet<WatchedWrite>, written: number): void {
  if (watched.size === 0) return;
  const unsent = unsentBytes(stream);
  if (unsent === undefined) return;
  const delivered = written - unsent;
  for (const w of watched) {
    const keep: (() => void)[] = [];
    const ends: number[] = [];
    const tokens: number[] = [];
    w.ends.forEach((end, i) => {
      if (w.start + end > delivered) {
        keep.push(w.dropped[i] as () => void);
        ends.push(end);
        tokens.push(w.tokens[i] ?? -1);
      }
    });
    w.dropped = keep;
    w.ends = ends;
    w.tokens = tokens;
  }
}

/**
 * The bytes written on `stream` that its kernel has not taken: the end of the write under way (libuv's queue) and every
 * write buffered after it, by the socket's own figures; undefined without them (not a socket, or closed).
 */
export function unsentBytes(stream: Duplex): number | undefined {
  const s = stream as Duplex & { _handle?: { writeQueueSize?: unknown } | null; _writableState?: { writelen?: unknown; writing?: unknown } };
  const queued = s._handle?.writeQueueSize;
  const state = s._writableState;
  if (typeof queued !== 'number' || state === undefined || typeof state.writelen !== 'number') return undefined;
  return queued + (s.writableLength - (state.writing === true ? state.writelen : 0));
}

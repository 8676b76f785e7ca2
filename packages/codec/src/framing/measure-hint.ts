/**
 * What a codec's `measure` that answered "more bytes are needed" knew besides: how many bytes the message needs at
 * least (the end of the field it could not finish). Kept by the very bytes object `measure` was given, so that a
 * `FrameDecoder` that passed it, and only it, reads the hint back: it asks `measure` again once that many bytes are
 * held, not on every read (a frame trickling in costs time linear in its size). A `measure` of your own leaves no
 * hint: it is asked on every read.
 */
const hints = new WeakMap<Uint8Array, number>();

/** Notes that the message at the start of `bytes` needs at least `length` bytes (more than `bytes` holds). */
export function noteBytesNeeded(bytes: Uint8Array, length: number): void {
  if (length > bytes.length) hints.set(bytes, length);
}

/** The length noted for `bytes` by {@link noteBytesNeeded}, or 0. */
export function bytesNeededFor(bytes: Uint8Array): number {
  return hints.get(bytes) ?? 0;
}

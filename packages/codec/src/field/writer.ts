/**
 * A growable scratch buffer that a codec packs into: one buffer reused for every message, so that packing allocates
 * only the final copy of the exact size.
 */
export class Writer {
  /** The scratch bytes. */
  buf: Buffer = Buffer.allocUnsafe(8192);
  /** Bytes of {@link buf} handed out already (slab use: packed messages are views into it). */
  used = 0;

  /**
   * Slab use: the offset where the next message may start. When less than `room` bytes are left, a fresh slab is
   * taken (the old one lives on in the messages that view it), so messages are written in place and never copied.
   */
  start(room: number, slab: number): number {
    if (this.buf.length - this.used < room) {
      this.buf = Buffer.allocUnsafe(slab);
      this.used = 0;
    }
    return this.used;
  }

  /** Makes sure that `size` bytes fit. */
  ensure(size: number): void {
    if (size <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(size, 2 * this.buf.length));
    this.buf.copy(next);
    this.buf = next;
  }
}

/**
 * The number of a message key: `"2"` -> 2. Returns -1 for anything but a canonical decimal number (no sign, no
 * leading zero, at most 3 digits).
 */
export function fieldNumber(key: string): number {
  const n = key.length;
  if (n === 0 || n > 3) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = key.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  if (n > 1 && key.charCodeAt(0) === 0x30) return -1;
  return v;
}

/** Bytes a reused buffer may keep between batches (a larger one, grown by a burst, is let go). */
const KEEP = 1 << 20;

/**
 * Lines of text (the transaction log's JSON lines) encoded straight into one buffer as they come: no array of line
 * strings joined into a batch text, and no copy of that text into a Buffer for the write. The buffer grows as needed and
 * is reused from batch to batch ({@link LineBuffer.take}, {@link LineBuffer.give}). Byte 0 is kept free, so that a
 * batch that must start with a newline (a line cut by an earlier failed write) is written without a copy either.
 */
export class LineBuffer {
  private chunk: Buffer;
  private used = 1;

  constructor(size = 16_384) {
    this.chunk = Buffer.allocUnsafeSlow(size);
  }

  /** Appends `line` (no newline in it) and a newline. */
  push(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const room = line.length * 3 + 1;
    if (this.used + room > this.chunk.length) this.grow(this.used + room);
    this.used += this.chunk.write(line, this.used, 'utf8');
    this.chunk[this.used++] = 0x0a;
  }

  /** The lines written, each ended by a newline; with `newlineFirst`, a newline before them. A view: valid until `clear`. */
  bytes(newlineFirst: boolean): Buffer {
    if (!newlineFirst) return this.chunk.subarray(1, this.used);
    this.chunk[0] = 0x0a;
    return this.chunk.subarray(0, this.used);
  }

  /** Empties it for reuse. */
  clear(): void {
    this.used = 1;
  }

  /** A buffer from `spare` (emptied), else a new one. */
  static take(spare: LineBuffer[]): LineBuffer {
    return spare.pop() ?? new LineBuffer();
  }

  /** Hands `lines` back to `spare` once its bytes are written (kept when not grown past 1 MiB, at most two kept). */
  static give(spare: LineBuffer[], lines: LineBuffer): void {
    lines.clear();
    if (lines.chunk.length <= KEEP && spare.length < 2) spare.push(lines);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(needed, this.chunk.length * 2));
    this.chunk.copy(next, 0, 0, this.used);
    this.chunk = next;
  }
}

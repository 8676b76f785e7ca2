/**
 * A text with some of its characters replaced by stars, written into one copy of the text: what every free-text mask
 * builds (digit-runs.ts, hex-runs.ts, header-mask.ts). A mask hides characters and never moves one, so the masked
 * text is the text with stars in place; one copy made on the first star, and one string made of it at the end, cost
 * the same whatever the number of card numbers in the text, where building each masked number as strings and joining
 * the pieces made several strings for each (their collection made a long text's masking grow faster than its length).
 * Internal: not exported from the package's index.
 */

/** `*` as a byte (in Latin-1, and the low byte of its UTF-16LE code unit). */
const STAR = 0x2a;

export class StarredText {
  /**
   * The text's characters, copied on the first star: one byte each (Latin-1) when the text is ASCII, so that the
   * masked text is a one-byte string as the text was; else two (UTF-16LE), which holds any text.
   */
  private chars: Buffer | undefined;
  /** Bytes a character in {@link chars}: 1 or 2. */
  private width = 1;

  /** @param text The text the stars are written over. */
  constructor(readonly text: string) {}

  private copy(): Buffer {
    // UTF-8 takes one byte a character exactly when every character is ASCII: a native count, no loop here.
    this.width = Buffer.byteLength(this.text, 'utf8') === this.text.length ? 1 : 2;
    return (this.chars = Buffer.from(this.text, this.width === 1 ? 'latin1' : 'utf16le'));
  }

  /** Stars over the characters `[start, end)` (none when `end <= start`). */
  star(start: number, end: number): void {
    if (end <= start) return;
    const chars = this.chars ?? this.copy();
    if (this.width === 1) {
      chars.fill(STAR, start, end);
      return;
    }
    for (let i = 2 * start; i < 2 * end; i += 2) {
      chars[i] = STAR;
      chars[i + 1] = 0;
    }
  }

  /** A star over the character at `at`. */
  starAt(at: number): void {
    const chars = this.chars ?? this.copy();
    if (this.width === 1) chars[at] = STAR;
    else {
      chars[2 * at] = STAR;
      chars[2 * at + 1] = 0;
    }
  }

  /** The text with its stars: the text itself (not a copy) when no star was written. */
  result(): string {
    if (this.chars === undefined) return this.text;
    return this.chars.toString(this.width === 1 ? 'latin1' : 'utf16le');
  }
}

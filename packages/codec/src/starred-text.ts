/**
 * A text with some of its characters replaced by stars, written into one copy of the text: what every free-text mask
 * builds (digit-runs.ts, hex-runs.ts, header-mask.ts). A mask hides characters and never moves one, so the masked
 * text is the text with stars in place; one copy made on the first star, and one string made of it at the end, cost
 * the same whatever the number of card numbers in the text, where building each masked number as strings and joining
 * the pieces made several strings for each (their collection made a long text's masking grow faster than its length).
 * Internal: not exported from the package's index.
 */

/** `*` in UTF-16 (little-endian: its low byte first). */
const STAR = 0x2a;

export class StarredText {
  /** The text as UTF-16LE, made on the first star: a copy holds any text, whatever its characters. */
  private chars: Buffer | undefined;

  /** @param text The text the stars are written over. */
  constructor(readonly text: string) {}

  /** Stars over the characters `[start, end)` (none when `end <= start`). */
  star(start: number, end: number): void {
    if (end <= start) return;
    const chars = (this.chars ??= Buffer.from(this.text, 'utf16le'));
    for (let i = 2 * start; i < 2 * end; i += 2) {
      chars[i] = STAR;
      chars[i + 1] = 0;
    }
  }

  /** The text with its stars: the text itself (not a copy) when no star was written. */
  result(): string {
    return this.chars === undefined ? this.text : this.chars.toString('utf16le');
  }
}

/**
 * A text with some of its characters replaced by stars: what every free-text mask builds (digit-runs.ts, hex-runs.ts,
 * header-mask.ts). A mask hides characters and never moves one, so the masked text is the text with stars in place:
 * slices of the text and runs of stars joined once while the stars come in order, or one copy of the text with the
 * stars written into it once they do not. Either costs a few strings a text, where building each masked number as
 * strings (a slice, `maskPan`'s three pieces and two joins, the track's stars) made about eight for each number, whose
 * collection made a long text's masking grow faster than its length. Internal: not exported from the package's index.
 */

/** `*` as a byte (in Latin-1, and the low byte of its UTF-16LE code unit). */
const STAR = 0x2a;

/** Stars to cut runs of stars from (a slice of 13 or more characters is a view of it, not a copy); grows as needed. */
let starsText = '*'.repeat(64);

/** `n` stars. */
function stars(n: number): string {
  if (n > starsText.length) starsText = '*'.repeat(Math.max(n, 2 * starsText.length));
  return starsText.slice(0, n);
}

export class StarredText {
  /**
   * The runs of stars written so far in order, as `[start, end)` pairs, while each one starts at or after the last one's
   * end (the digit-run masks write in order, left to right); the masked text is then built from slices of the text
   * and runs of stars joined once.
   */
  private runs: number[] = [];
  /**
   * The text's characters with the stars written so far, once a star came before the last run's end (the hex masks
   * write each reading in turn, and over what others starred): one byte a character (Latin-1) when the text is ASCII,
   * so that the masked text is a one-byte string as the text was; else two (UTF-16LE), which holds any text.
   */
  private chars: Buffer | undefined;
  /** Bytes a character in {@link chars}: 1 or 2. */
  private width = 1;

  /** @param text The text the stars are written over. */
  constructor(readonly text: string) {}

  /** Stars over the characters `[start, end)` (none when `end <= start`). */
  star(start: number, end: number): void {
    if (end <= start) return;
    if (this.chars === undefined) {
      const runs = this.runs;
      const last = runs.length === 0 ? 0 : runs[runs.length - 1]!;
      if (runs.length > 0 && start === last) {
        runs[runs.length - 1] = end;
        return;
      }
      if (start > last || runs.length === 0) {
        runs.push(start, end);
        return;
      }
      this.toChars();
    }
    const chars = this.chars!;
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
    this.star(at, at + 1);
  }

  /** The text copied with the runs of stars written so far, the stars to come written into it. */
  private toChars(): void {
    // UTF-8 takes one byte a character exactly when every character is ASCII: a native count, no loop here.
    this.width = Buffer.byteLength(this.text, 'utf8') === this.text.length ? 1 : 2;
    this.chars = Buffer.from(this.text, this.width === 1 ? 'latin1' : 'utf16le');
    const runs = this.runs;
    this.runs = [];
    for (let r = 0; r < runs.length; r += 2) this.star(runs[r]!, runs[r + 1]!);
  }

  /** The text with its stars: the text itself (not a copy) when no star was written. */
  result(): string {
    if (this.chars !== undefined) return this.chars.toString(this.width === 1 ? 'latin1' : 'utf16le');
    const runs = this.runs;
    if (runs.length === 0) return this.text;
    const parts: string[] = [];
    let copied = 0;
    for (let r = 0; r < runs.length; r += 2) {
      parts.push(this.text.slice(copied, runs[r]), stars(runs[r + 1]! - runs[r]!));
      copied = runs[r + 1]!;
    }
    parts.push(this.text.slice(copied));
    return parts.join('');
  }
}

/**
 * Runs of bytes that must all belong to one character class (see `charset.ts`): the compiled packer writes the text
 * of a message first and checks the characters of its fields afterwards, over the bytes, where a loop costs about
 * half of one over the characters of the strings. Neighbouring fields of the same class make one run.
 */
import { CLASS, DIGITS, HEX_MASK, PRINTABLE } from './charset.js';

/** Runs of one pack: start and end offsets and class mask, by index; at most {@link RUN_SLOTS}. */
export class ClassRuns {
  /** Offset of the first byte of each run. */
  readonly start = new Int32Array(RUN_SLOTS);
  /** Offset after the last byte of each run. */
  readonly end = new Int32Array(RUN_SLOTS);
  /** The class mask every byte of the run must match. */
  readonly mask = new Int32Array(RUN_SLOTS);
}

/** Runs a message can have: one per field of a tertiary bitmap, and then some. */
export const RUN_SLOTS = 200;

/**
 * True when every byte of each of the first `count` runs belongs to its class. Hex runs are the values of binary
 * fields sent as hex characters: they go on the wire in upper case, so lower-case digits are raised in place.
 */
export function checkRuns(buf: Uint8Array, runs: ClassRuns, count: number): boolean {
  const starts = runs.start;
  const ends = runs.end;
  const masks = runs.mask;
  for (let r = 0; r < count; r++) {
    const end = ends[r]!;
    const mask = masks[r]!;
    let i = starts[r]!;
    if (mask === DIGITS) {
      for (; i < end; i++) if (buf[i]! - 0x30 >>> 0 > 9) return false;
    } else if (mask === PRINTABLE) {
      // Printable: 0x20-0x7E, and Latin-1 0xA0-0xFF (see CLASS).
      for (; i < end; i++) {
        const c = buf[i]!;
        if (c < 0x20 || (c > 0x7e && c < 0xa0)) return false;
      }
    } else if (mask === HEX_MASK) {
      for (; i < end; i++) {
        const c = buf[i]!;
        if ((CLASS[c]! & HEX_MASK) === 0) return false;
        if (c >= 0x61) buf[i] = c - 0x20;
      }
    } else {
      for (; i < end; i++) if ((CLASS[buf[i]!]! & mask) === 0) return false;
    }
  }
  return true;
}

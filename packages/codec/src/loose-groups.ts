import { maskWork } from './mask-work.js';
import { isDigit, runEnd, separatorEnd } from './number-text.js';

/*
 * Numbers in loose groups, a part of the rule of maskDigitRuns (digit-runs.ts, the one home, which says when a number
 * read here is masked): card numbers written with `.`, `/`, `_` or `,` between their groups, or with 4 separators or
 * more.
 */

/** The most separators between two groups of a number in loose groups (`4111 - - 1111`, `4111.1111`: see {@link looseNumberEnd}). */
const LONGEST_LOOSE_GAP = 8;
/** The fewest and most digits of a group of a number in loose groups, its last group aside (which has 1 or more). */
const LOOSE_GROUP_MIN = 4;
const LOOSE_GROUP_MAX = 6;
/** The most digits of a number in loose groups: a PAN has 19 at most. */
const LONGEST_PAN = 19;
/** The fewest digits of a number in loose groups that is masked: as many as of a number in groups (digit-runs.ts). */
const SHORTEST_LOOSE_PAN = 13;

/**
 * Where the separator at `at` ends when it may join loose groups ({@link looseNumberEnd}), `at` when there is none:
 * one of {@link separatorEnd}'s, or `.`, `/`, `_` or `,`.
 */
function looseSeparatorEnd(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code === 0x2e || code === 0x2f || code === 0x5f || code === 0x2c) return at + 1;
  return separatorEnd(text, at);
}

/**
 * The Luhn sums of the digits read so far of a number in loose groups, kept as it grows a group at a time: `even`
 * with the digits at even places from its start doubled, `odd` with those at odd places. A number of `n` digits
 * passes the check when the sum that doubles every second digit from its right (`even` for an even `n`) is a multiple
 * of 10. One object for every number read: none made per number.
 */
const luhnSums = { even: 0, odd: 0 };

/** Adds the digits `text[start, end)`, the first at place `place` of its number, to {@link luhnSums}. */
function addLuhnDigits(text: string, start: number, end: number, place: number): void {
  for (let i = start, p = place; i < end; i++, p++) {
    const d = text.charCodeAt(i) - 0x30;
    const doubled = d > 4 ? 2 * d - 9 : 2 * d;
    if (p % 2 === 0) {
      luhnSums.even += doubled;
      luhnSums.odd += d;
    } else {
      luhnSums.even += d;
      luhnSums.odd += doubled;
    }
  }
}

/**
 * Where the number in loose groups that starts with the run `text[start, first)` ends, -1 when there is none: digit
 * runs joined by gaps of 1 to {@link LONGEST_LOOSE_GAP} separators in any mix ({@link looseSeparatorEnd}: those of
 * numbers in groups, and `.`, `/`, `_`, `,`: `4111.1111.1111.1111`, `5413/3300/8901/0434`, `4111 - - 1111`), every
 * group but the last of 4 to 6 digits (as card numbers are printed: 4-4-4-4, Amex 4-6-5, 4-4-4-4-3), 13 to 19 digits
 * in all, passing the Luhn check; the longest such number. What such a gap joins is no PAN more often than not (an
 * amount `1,234,567,890,123`, a version `1.2.3`, an IP address, a date, a time, columns of numbers), so the groups'
 * sizes and the check digit decide. Reads at most {@link LONGEST_PAN} digits and the gaps between them: a bounded cost.
 */
export function looseNumberEnd(text: string, start: number, first: number): number {
  let digits = first - start;
  if (digits < LOOSE_GROUP_MIN || digits > LOOSE_GROUP_MAX) return -1;
  luhnSums.even = luhnSums.odd = 0;
  addLuhnDigits(text, start, first, 0);
  let best = -1;
  for (let end = first, size = digits; size >= LOOSE_GROUP_MIN; ) {
    let gap = end;
    for (let k = 0, next = looseSeparatorEnd(text, gap); k < LONGEST_LOOSE_GAP && next > gap; k++, next = looseSeparatorEnd(text, gap)) gap = next;
    maskWork.steps += gap - end + 1;
    if (gap === end || !isDigit(text.charCodeAt(gap))) break;
    const runStop = runEnd(text, gap);
    size = runStop - gap;
    if (size > LOOSE_GROUP_MAX || digits + size > LONGEST_PAN) break;
    addLuhnDigits(text, gap, runStop, digits);
    digits += size;
    end = runStop;
    if (digits >= SHORTEST_LOOSE_PAN && (digits % 2 === 0 ? luhnSums.even : luhnSums.odd) % 10 === 0) best = end;
  }
  return best;
}

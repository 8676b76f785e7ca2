import { maskWork } from './mask-work.js';
import { isDigit, looseSeparatorEnd, runEnd } from './number-text.js';

/*
 * Numbers in loose groups, a part of the rule of maskDigitRuns (digit-runs.ts, the one home, which says when a number
 * read here is masked): card numbers written with `.`, `/`, `_` or `,` between their groups, or with 4 separators or
 * more.
 */

/** The most separators between two groups of a number in loose groups (`4111 - - 1111`, `4111.1111`: see {@link looseNumberEnd}). */
export const LONGEST_LOOSE_GAP = 8;
/** The fewest and most digits of a group of a number in loose groups, its last group aside (which has 1 or more). */
const LOOSE_GROUP_MIN = 4;
const LOOSE_GROUP_MAX = 6;
/** The most digits of a number in loose groups: a PAN has 19 at most. */
const LONGEST_PAN = 19;
/** The fewest digits of a number in loose groups that is masked: as many as of a number in groups (digit-runs.ts). */
const SHORTEST_LOOSE_PAN = 13;

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

/** Whether the gap `text[at, at + length)` is written as `text[gap, gap + length)` and a digit follows it. */
function sameGapThenDigit(text: string, gap: number, length: number, at: number): boolean {
  maskWork.steps += length;
  for (let k = 0; k < length; k++) if (text.charCodeAt(at + k) !== text.charCodeAt(gap + k)) return false;
  return isDigit(text.charCodeAt(at + length));
}

/**
 * Where the number in loose groups that starts with the run `text[start, first)` ends, -1 when there is none: digit
 * runs joined by gaps of 1 to {@link LONGEST_LOOSE_GAP} separators ({@link looseSeparatorEnd}: those of numbers in
 * groups, and `.`, `/`, `_`, `,`: `4111.1111.1111.1111`, `5413/3300/8901/0434`, `4111 - - 1111`), every gap written
 * as the first, every group but the last of 4 to 6 digits (as card numbers are printed: 4-4-4-4, Amex 4-6-5,
 * 4-4-4-4-3), 13 to 19 digits in all, passing the Luhn check, and the whole of its chain: no group before or after it
 * joined by the same gap (a list `8080,8443,9090,3000,1234` holds no card number). What such gaps join is no PAN
 * more often than not (an amount `1,234,567,890,123`, a version `1.2.3`, an IP address, a date, a time, lists and
 * columns of numbers), so the groups' sizes, the chain's bounds and the check digit decide. Reads at most
 * {@link LONGEST_PAN} digits and the gaps between them: a bounded cost.
 */
export function looseNumberEnd(text: string, start: number, first: number): number {
  let digits = first - start;
  if (digits < LOOSE_GROUP_MIN) return digits > 0 ? thousandsNumberEnd(text, start, first) : -1;
  if (digits > LOOSE_GROUP_MAX) return -1;
  let gapEnd = first;
  for (let k = 0, next = looseSeparatorEnd(text, gapEnd); k < LONGEST_LOOSE_GAP && next > gapEnd; k++, next = looseSeparatorEnd(text, gapEnd)) gapEnd = next;
  maskWork.steps += gapEnd - first + 1;
  const gap = gapEnd - first;
  if (gap === 0 || !isDigit(text.charCodeAt(gapEnd))) return -1;
  // A group before it joined by the same gap: a part of a list.
  if (start - gap - 1 >= 0 && isDigit(text.charCodeAt(start - gap - 1)) && sameGapThenDigit(text, first, gap, start - gap)) return -1;
  luhnSums.even = luhnSums.odd = 0;
  addLuhnDigits(text, start, first, 0);
  let end = first;
  for (let size = digits; sameGapThenDigit(text, first, gap, end); ) {
    if (size < LOOSE_GROUP_MIN) return -1;
    const group = end + gap;
    const runStop = runEnd(text, group);
    size = runStop - group;
    if (size > LOOSE_GROUP_MAX || digits + size > LONGEST_PAN) return -1;
    addLuhnDigits(text, group, runStop, digits);
    digits += size;
    end = runStop;
  }
  return digits >= SHORTEST_LOOSE_PAN && (digits % 2 === 0 ? luhnSums.even : luhnSums.odd) % 10 === 0 ? end : -1;
}

/**
 * The marks a number is grouped by thousands with: `,` `.` `'`, U+2019 (a Swiss `'`, as a word processor writes it),
 * and the Arabic thousands separator U+066C and comma U+060C.
 */
function thousandsMark(code: number): boolean {
  return code === 0x2c || code === 0x2e || code === 0x27 || code === 0x2019 || code === 0x66c || code === 0x60c;
}

/** The marks of a decimal part: those of {@link thousandsMark}, and the Arabic decimal separator U+066B. */
export function decimalMark(code: number): boolean {
  return thousandsMark(code) || code === 0x66b;
}

/** A thousands group's size; the size of the groups before it in Indian grouping (lakh, crore: `4,11,11,111`). */
const THOUSANDS = 3;
const INDIAN = 2;

/**
 * Where the number grouped by thousands that starts with the run `text[start, first)` (1 to 3 digits) ends, -1 when
 * there is none: as a locale formats a number (`4,111,111,111,111,111`, `4.111.111.111.111.111`,
 * `4'111'111'111'111'111`, `4٬111٬111...` with the Arabic marks), every group after the first of exactly 3 digits; or as
 * India formats one (`41,11,11,11,11,11,111`: a first group of 1 or 2 digits, groups of 2, the last of 3); every mark
 * the first one ({@link thousandsMark}), 13 to 19 digits in all, passing the Luhn check, the whole of its chain (no
 * group before it joined by the same mark, no digit right after its last group), no `v` right before a number grouped
 * by `.` (a version `v161.489.317.677.441`; any other letter before it, `PAN4,111,...`, is no reason to show it), and
 * no decimal part after it (another mark and a digit: `1,234,567,890,123.45` is an amount). Spaces between thousands
 * are a number in groups already (digit-runs.ts). An amount of 13 digits or more so written passes the check one time
 * in ten and is masked then: the safe side. Reads at most {@link LONGEST_PAN} digits and the marks between them.
 */
function thousandsNumberEnd(text: string, start: number, first: number): number {
  const mark = text.charCodeAt(first);
  maskWork.steps++;
  if (!thousandsMark(mark) || !isDigit(text.charCodeAt(first + 1))) return -1;
  if (start >= 2 && text.charCodeAt(start - 1) === mark && isDigit(text.charCodeAt(start - 2))) return -1;
  if (mark === 0x2e && (text.charCodeAt(start - 1) | 0x20) === 0x76 /* v */) return -1;
  let digits = first - start;
  let end = first;
  luhnSums.even = luhnSums.odd = 0;
  addLuhnDigits(text, start, first, 0);
  // Indian grouping when the second group has 2 digits: groups of 2 until the last, of 3.
  const indian = digits <= INDIAN && runEnd(text, first + 1) - first - 1 === INDIAN;
  let last = false;
  while (text.charCodeAt(end) === mark && isDigit(text.charCodeAt(end + 1))) {
    const stop = runEnd(text, end + 1);
    const size = stop - end - 1;
    if (last || digits + size > LONGEST_PAN) return -1;
    if (size !== THOUSANDS && !(indian && size === INDIAN)) return -1;
    last = indian && size === THOUSANDS;
    addLuhnDigits(text, end + 1, stop, digits);
    digits += size;
    end = stop;
  }
  if (indian && !last) return -1;
  const after = text.charCodeAt(end);
  if (after !== mark && decimalMark(after) && isDigit(text.charCodeAt(end + 1))) return -1;
  return digits >= SHORTEST_LOOSE_PAN && (digits % 2 === 0 ? luhnSums.even : luhnSums.odd) % 10 === 0 ? end : -1;
}

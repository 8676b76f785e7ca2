import { textArgument } from './arguments.js';
import { luhnValid, maskPan } from './pan.js';

/*
 * The last guard for card data in free text (a private field no one marked, such as 48, 62 or 126; an error text; a
 * request path): every run of digits that could be a PAN is masked as a PAN, and the track data that follows one is
 * hidden. The rule, one home for every part that masks text:
 *
 * - a run of 12 or more digits (leading zeros aside) is masked, whatever its check digit: a PAN of 12 to 19 digits
 *   (the length of every PAN before ISO/IEC 7812-1:2017, and of every payment card PAN issued today), a PAN whose
 *   check digit is not Luhn (some private-label cards), and a PAN glued to other digits;
 * - a run of 8 to 11 digits (leading zeros aside) is masked when it passes the Luhn check: the short PANs that
 *   ISO/IEC 7812-1:2017 allows (8 digits and up) and private-label cards of 11. A run of 8 to 11 digits that fails the
 *   check cannot be a PAN of that length;
 * - a run of 7 digits or fewer is never masked: STANs (6), times (4, 6), dates (4, 6), response and processing codes;
 * - a PAN written as people write it, in groups: runs joined by single spaces or by single dashes (one kind in one
 *   number: `4761 7390 0101 0010`, `4761-7390-0101-0010`, Amex `3782 822463 10005`) are one number when their digits
 *   add up to 13 or more, masked as a PAN over its digits with the separators kept (`4761 73** **** 0010`). Fewer
 *   than 13 digits in groups are left to the rules above, run by run: a date `2026-12-02`, a time, a phone number.
 *
 * What it costs: about one 8- to 11-digit number in ten that is not a PAN passes the Luhn check by chance (a date
 * `YYYYMMDD`, a transmission date and time `MMDDhhmmss`, an epoch second, a large amount) and is masked too; a
 * 12-digit retrieval reference number or amount written in free text was masked already (fields 37 and 4 themselves
 * are shown: they are fixed-length keys and numerics, not free text); numbers written in groups of 13 digits or more
 * that are no PAN (a date, a time and a STAN in a row: `20261202 103000 000001`) are masked too, the safe side.
 */

/** Significant digits from which a run is masked whatever its check digit. */
const ALWAYS_MASKED = 12;
/** The fewest digits of a PAN (ISO/IEC 7812-1:2017): a shorter run is never masked. */
const SHORTEST_PAN = 8;
/** The fewest digits of a number written in groups that is masked (a phone number of 12 digits is not). */
const GROUPED_PAN = 13;
/** The separators of a PAN written in groups: a single space or a single dash. */
const SPACE = 0x20;
const DASH = 0x2d;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/**
 * True when a run of digits could be a PAN (see the rule above): 12 or more digits after any leading zeros, or 8 to
 * 11 that pass the Luhn check. `digits` is digits only.
 */
export function isPanShaped(digits: string): boolean {
  let zeros = 0;
  while (zeros < digits.length && digits.charCodeAt(zeros) === 0x30) zeros++;
  const significant = digits.length - zeros;
  return significant >= ALWAYS_MASKED || (significant >= SHORTEST_PAN && luhnValid(digits));
}

/** True when `text` holds a run of digits that {@link maskDigitRuns} masks. */
export function hasPanShapedRun(text: string): boolean {
  return panShapedRun(text, 0) !== undefined;
}

/** Where the run of digits that starts at `at` ends. */
function runEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/**
 * The first number of `text` from `from` on that could be a PAN: `[start, end, last]`, `last` where its last run of
 * digits starts. Either runs joined by one kind of separator (single spaces or single dashes) with 13 digits or more
 * in all, or one run that {@link isPanShaped} says could be a PAN. A chain of fewer than 13 digits is looked at run
 * by run, each run starting a chain of its own of the other separator: each run is read by at most 3 chains.
 */
function panShapedRun(text: string, from: number): [number, number, number] | undefined {
  let shortUntil = 0;
  let shortSeparator = 0;
  for (let i = from; i < text.length; ) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    const first = runEnd(text, i);
    const separator = text.charCodeAt(first);
    let digits = first - start;
    let end = first;
    let last = start;
    // Inside a chain of this separator that fell short, the rest of it falls short too: only the other one is tried.
    if ((separator === SPACE || separator === DASH) && !(start < shortUntil && separator === shortSeparator)) {
      while (text.charCodeAt(end) === separator && isDigit(text.charCodeAt(end + 1))) {
        last = end + 1;
        const next = runEnd(text, last);
        digits += next - last;
        end = next;
      }
    }
    if (end > first && digits >= GROUPED_PAN) return [start, end, last];
    if (end > first) [shortUntil, shortSeparator] = [end, separator];
    if (first - start >= SHORTEST_PAN && isPanShaped(text.slice(start, first))) return [start, first, start];
    i = first;
  }
  return undefined;
}

/** The longest cardholder name of track 1 (between its two `^`). */
const TRACK1_NAME = 26;

/**
 * Where the track data after a PAN that ends at `at` ends: after `=` (track 2 and 3 in text) and its digits, after
 * `D` (the track 2 separator of BCD) and at least one digit, after `^NAME^` (track 1, a name of up to 26 characters)
 * and its digits; `at` when none follows.
 */
function trackEnd(text: string, at: number): number {
  const separator = text[at];
  let i = at + 1;
  if (separator === '^') {
    const close = text.indexOf('^', i);
    if (close < 0 || close - i > TRACK1_NAME) return at;
    i = close + 1;
  } else if (separator === 'D') {
    if (!isDigit(text.charCodeAt(i))) return at;
  } else if (separator !== '=') {
    return at;
  }
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** The number `text[start, end)` masked as {@link maskPan} masks a PAN over its digits, its separators kept. */
function maskedNumber(text: string, start: number, end: number): string {
  const number = text.slice(start, end);
  const digits = number.replace(/[^0-9]/g, '');
  if (digits.length === number.length) return maskPan(number);
  const masked = maskPan(digits);
  let out = '';
  for (let k = 0, d = 0; k < number.length; k++) out += isDigit(number.charCodeAt(k)) ? masked[d++] : number[k];
  return out;
}

/** `shown` with a star wherever `masked` (of the same length) has one. */
function starsOf(shown: string, masked: string): string {
  let out = '';
  for (let k = 0; k < shown.length; k++) out += masked[k] === '*' ? '*' : shown[k];
  return out;
}

/**
 * `text` with every run of digits that could be a PAN masked as {@link maskPan} masks a PAN, and the track data after
 * one (`=` or `D` and the digits that follow: expiry, service code, discretionary data; track 1's `^NAME^` and its
 * digits) replaced by stars, its separators kept: `CVV2=123;PAN=541333******0434`,
 * `476173******0010=*****************`. Masked: 12 or more digits (leading zeros aside), and 8 to 11 that pass the
 * Luhn check (ISO/IEC 7812-1:2017 PANs are 8 to 19 digits); 7 or fewer never (a STAN, a time). A PAN written in
 * groups, runs joined by single spaces or by single dashes (one kind in one number), is one number when its digits
 * add up to 13 or more, masked over its digits with the separators kept: `4761 73** **** 0010`,
 * `5413-33**-****-0434`; fewer than 13 (a date `2026-12-02`, a phone number) are looked at run by run. Throws
 * `ISO8583_ERR_OPTION` for a value that is not text.
 */
export function maskDigitRuns(text: string): string {
  textArgument(text, 'text');
  let out = '';
  let copied = 0;
  let from = 0;
  for (let run = panShapedRun(text, from); run !== undefined; run = panShapedRun(text, from)) {
    const [start, end, last] = run;
    const masked = maskedNumber(text, start, end);
    if (start >= copied) out += text.slice(copied, start) + masked;
    else {
      // It starts in the last run of the number before (below): the stars of both are kept.
      const overlap = copied - start;
      out = out.slice(0, out.length - overlap) + starsOf(out.slice(out.length - overlap), masked.slice(0, overlap)) + masked.slice(overlap);
    }
    const track = trackEnd(text, end);
    if (track > end) out += text[end] + text.slice(end + 1, track).replace(/[^^]/g, '*');
    copied = track;
    // A number in groups ends where its separator stops; its last run may start one of the other separator
    // (`4761 7390 0101 0010-5413-3300-8901-0434`): it is looked at again.
    from = track > end ? track : last > start ? last : end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

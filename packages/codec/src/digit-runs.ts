import { textArgument } from './arguments.js';
import { luhnValidAt } from './pan.js';
import { maskWork } from './mask-work.js';
import { maskEscapedDigits } from './digit-escapes.js';
import { starAllDigits, starNumber, starTrack, type Masked } from './digit-stars.js';
import { LONGEST_LOOSE_GAP, looseNumberEnd } from './loose-groups.js';
import { isDigit, looseSeparatorEnd, runEnd, separatorEnd } from './number-text.js';
import { trackEnd } from './track-end.js';
import { maskOtherDigits, maskSettledWithFold } from './unicode-digits.js';

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
 * - a PAN written as people write it, in groups: digit runs joined by gaps of 1 to 3 separators, in any mix (a space,
 *   a tab, a dash, a plus, or `%20`, `%2D`, `%2B` as a URL escapes them: `4761 7390 0101 0010`,
 *   `4761-7390-0101-0010`, `4761 - 7390  0101-0010`, `4761+7390%200101+0010`, Amex `3782 822463 10005`), are one
 *   number when their digits add up to 13 or more, masked as a PAN over all its digits with the separators kept
 *   (`4761 73** **** 0010`). A chain is as long as its gaps allow: two card numbers in one chain (`4761 7390 0101
 *   0010 5413 3300 8901 0434`, or one whose groups run into the other's) are one number, which shows its first 6 and
 *   last 4 digits, so no card number in it shows more. Fewer than 13 digits in groups are left to the rules above,
 *   run by run: a date `2026-12-02`, a time, a phone number;
 * - a PAN in loose groups: digit runs joined by gaps of 1 to 8 separators that are not such a gap (a `.`, `/`, `_` or
 *   `,` in it, or 4 to 8 of the separators above: `4111.1111.1111.1111`, `5413/3300/8901/0434`, `4111 - - 1111`),
 *   every gap written alike, every group but the last of 4 to 6 digits, 13 to 19 digits in all, the whole of its
 *   chain (no group before or after it joined by the same gap: a list), is masked when it passes the Luhn check
 *   (`4111.11**.****.1111`). Such gaps join more numbers that are no PAN than PANs (an amount `1,234,567,890,123`, a
 *   version `1.2.3`, an IP address, a date `2026/12/03`, a timestamp): groups of 4 to 6 digits and the check digit
 *   keep them as they are (loose-groups.ts reads such a number);
 * - digits written as HTML, JSON or URL escapes (`&#52;`, `&#x34;`, `\u0034`, `%34`; of Unicode digits, spaces, dashes
 *   and invisible characters too: `&#65300;`, `%EF%BC%94`, `&#160;`, `\u2013`): a text with escapes of digits or
 *   separators is read decoded too, by the whole rule, and each hidden digit's escape starred in place (digit-escapes.ts);
 * - digits other than ASCII (any \p{Nd}: full-width, Arabic-Indic...) are digits, each hidden one starred in place, and
 *   invisible characters (\p{Cf}: U+200B, U+00AD...) and combining marks are read as nothing (unicode-digits.ts); a
 *   Unicode dash is a dash; `:` and `|` join loose groups; a number grouped by thousands (`4,111,111,111,111,111`, in
 *   Indian grouping, with the Arabic marks: loose-groups.ts) is masked when it passes the Luhn check and has no decimal part;
 * - a masked text is masked again until that changes nothing (4 passes at most): the digits a masked number shows at
 *   its ends can make a number in loose groups with the groups beside it (`1234567890124111.1111.1111.1111` is
 *   `123456******4111.11**.****.1111`), so masking a masked text changes nothing. A text the 4th pass still changed
 *   fails closed: every digit of it starred (untilSettled says why).
 *
 * What it costs: about one 8- to 11-digit number in ten that is not a PAN passes the Luhn check by chance (a date
 * `YYYYMMDD`, a transmission date and time `MMDDhhmmss`, an epoch second, a large amount) and is masked too; a
 * 12-digit retrieval reference number or amount written in free text was masked already (fields 37 and 4 themselves
 * are shown: they are fixed-length keys and numerics, not free text); numbers written in groups of 13 digits or more
 * that are no PAN (a date, a time and a STAN in a row: `20261202 103000 000001`) are masked too, the safe side; a
 * list or table row of 3 or 4 numbers of 4 to 6 digits in loose groups passes the check one time in ten and is masked
 * then.
 */

/** Significant digits from which a run is masked whatever its check digit. */
const ALWAYS_MASKED = 12;
/** The fewest digits of a PAN (ISO/IEC 7812-1:2017): a shorter run is never masked. */
const SHORTEST_PAN = 8;
/** The fewest digits of a number written in groups that is masked (a phone number of 12 digits is not). */
const GROUPED_PAN = 13;
/** The most separators between two groups of one number (`4761 - 7390`: three). */
const LONGEST_GAP = 3;

/**
 * True when a run of digits could be a PAN (see the rule above): 12 or more digits after any leading zeros, or 8 to
 * 11 that pass the Luhn check. `digits` is digits only.
 */
export function isPanShaped(digits: string): boolean {
  return panShapedAt(digits, 0, digits.length);
}

/** {@link isPanShaped} of the digits `text[start, end)`, read in place. */
function panShapedAt(text: string, start: number, end: number): boolean {
  let zeros = start;
  while (zeros < end && text.charCodeAt(zeros) === 0x30) zeros++;
  const significant = end - zeros;
  return significant >= ALWAYS_MASKED || (significant >= SHORTEST_PAN && luhnValidAt(text, start, end));
}

/** True when `text` holds a run of digits, or a number in groups, that {@link maskDigitRuns} masks. */
export function hasPanShapedRun(text: string): boolean {
  return panShapedRun(text, 0, false, { start: 0, end: 0 }) || maskEscapedDigits(text, text, maskWholeRuns) !== text ||
    maskOtherDigits(text, text, maskAllRuns) !== text;
}

/**
 * Where the number that starts at `start` (a digit) ends, read as people write numbers, in groups: digit runs joined by
 * gaps of 1 to 3 separators (a space, a tab, a dash, a plus, `%20`, `%2D`, `%2B`), as long as the gaps allow; `run` is
 * called with each run's start and end. The one rule by which {@link maskDigitRuns}, {@link maskGroupedNumbers} and
 * the inbound sequence logger read a number in groups. With `loose` (default `false`), gaps of 1 to 8 separators of
 * loose groups too, in any mix (`.`, `/`, `_`, `,` as well: `4761.7390.0101`, `4761 - - 7390`), as the inbound
 * sequence logger reads the pieces of a message's own PAN (what it hides is known card data, so reading more is the
 * safe side).
 */
export function groupedNumber(text: string, start: number, run: (start: number, end: number) => void, loose = false): number {
  const separator = loose ? looseSeparatorEnd : separatorEnd;
  const longest = loose ? LONGEST_LOOSE_GAP : LONGEST_GAP;
  let end = runEnd(text, start);
  run(start, end);
  for (;;) {
    let gap = end;
    for (let k = 0, next = separator(text, gap); k < longest && next > gap; k++, next = separator(text, gap)) gap = next;
    maskWork.steps++;
    if (gap === end || !isDigit(text.charCodeAt(gap))) return end;
    end = runEnd(text, gap);
    run(gap, end);
  }
}

/** The digits of the chain {@link panShapedRun} reads: one counter and one callback for every chain, none made per chain. */
let chainDigits = 0;
function countChainDigits(start: number, end: number): void {
  chainDigits += end - start;
}

/** Where a number found by {@link panShapedRun} is: `text[start, end)`. */
interface Found {
  start: number;
  end: number;
}

/**
 * Whether `text` holds from `from` on a number that could be a PAN, the first one's place written to `found`: either a chain of digit runs
 * joined by gaps of 1 to {@link LONGEST_GAP} separators ({@link separatorEnd}), as long as the gaps allow, with 13 digits or
 * more in all; or a number in loose groups from a run on ({@link looseNumberEnd}: Luhn-valid, at most 19 digits read
 * from each run); or one run that {@link isPanShaped} says could be a PAN (in a chain of fewer than 13 digits, or on its
 * own). Every character is read a bounded number of times: a chain that falls short is looked at run by run and
 * never again as a chain.
 */
function panShapedRun(text: string, from: number, groupedOnly: boolean, found: Found): boolean {
  let chainEnd = 0;
  for (let i = from; i < text.length; ) {
    maskWork.steps++;
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    const first = runEnd(text, i);
    if (start >= chainEnd) {
      // A new chain: its runs, as long as gaps of separators join them.
      chainDigits = 0;
      const end = groupedNumber(text, start, countChainDigits);
      if (end > first && chainDigits >= GROUPED_PAN) return foundAt(found, start, end);
      chainEnd = end;
    }
    const loose = looseNumberEnd(text, start, first);
    if (loose > 0) return foundAt(found, start, loose);
    if (!groupedOnly && first - start >= SHORTEST_PAN) {
      maskWork.steps += first - start;
      if (panShapedAt(text, start, first)) return foundAt(found, start, first);
    }
    i = first;
  }
  return false;
}

function foundAt(found: Found, start: number, end: number): true {
  found.start = start;
  found.end = end;
  return true;
}


/**
 * `text` with every run of digits that could be a PAN masked as {@link maskPan} masks a PAN, and the track data after
 * one (`=`, `D` or `d` and the digits that follow: expiry, service code, discretionary data; track 1's `^NAME^` and its
 * digits; the separator again among them, a field left out: `==101...`) replaced by stars, its separators kept: `CVV2=123;PAN=541333******0434`,
 * `476173******0010=*****************`. Masked: 12 or more digits (leading zeros aside), and 8 to 11 that pass the
 * Luhn check (ISO/IEC 7812-1:2017 PANs are 8 to 19 digits); 7 or fewer never (a STAN, a time). A PAN written in
 * groups, runs joined by gaps of 1 to 3 separators in any mix (space, tab, dash, plus; `%20`, `%2D`, `%2B`), is one
 * number when its digits add up to 13 or more, masked over its digits with the separators kept: `4761 73** **** 0010`, `5413-33**-****-0434`; two card
 * numbers in one such chain are one number (first 6 and last 4 of the whole shown); fewer than 13 digits (a date
 * `2026-12-02`, a phone number) are looked at run by run. A PAN in loose groups (`.`, `/`, `_`, `,` or 4 to 8
 * separators between groups of 4 to 6 digits, 13 to 19 digits in all) is masked when it passes the Luhn check:
 * `4111.11**.****.1111`. Digits written as HTML or JSON escapes are read decoded and their escapes starred in place:
 * `&#**;`, `\u****`. A masked text is masked again until that changes nothing, 4 passes at most; a text the 4th pass
 * still changed (a chain of card-shaped numbers, each shown by masking the one before) has every digit starred. Linear
 * in the length of `text`. Throws `ISO8583_ERR_OPTION` for a value that is not text.
 */
export function maskDigitRuns(text: string): string {
  textArgument(text, 'text');
  return maskSettledWithFold(text, maskAllRuns, maskAllRuns, MOST_PASSES, starAllDigits);
}

/** The rule over text whose digits are all ASCII (unicode-digits.ts reads the others so). */
function maskAllRuns(text: string): string {
  return untilSettled(text, false);
}

/**
 * The rule over text whose escapes are decoded (digit-escapes.ts): whole runs too, whoever asks; and its escapes
 * decoded twice more (a URL encoded twice, `%2534`, or three times, `%252534`, as a value relayed through two
 * proxies that each encode it; an HTML reference of a URL's `%`, `&#37;34`), no further: each decoding is a pass
 * over the text (one that holds no escape of what the rule reads is looked at once and left).
 */
function maskWholeRuns(text: string): string {
  return maskEscapedDigits(text, maskNumbers(text, false), maskDecodedTwice);
}

/** The rule over text decoded twice: whole runs too, and its escapes decoded once more. */
function maskDecodedTwice(text: string): string {
  return maskEscapedDigits(text, maskNumbers(text, false), maskDecodedThrice);
}

/** The rule over text decoded three times: whole runs too, no escape read. */
function maskDecodedThrice(text: string): string {
  return maskNumbers(text, false);
}

/**
 * `text` with every number written in groups that {@link maskDigitRuns} masks (runs joined by gaps of 1 to 3
 * separators, 13 digits or more in all: `4761 73** **** 0010`; loose groups that pass the Luhn check:
 * `4111.11**.****.1111`) masked as it masks them, the track data after one too; a run of digits on its own is left
 * as it is, whatever its length, unless written as HTML or JSON escapes of its digits or with digits other than ASCII
 * (`４１１１...`, read by the whole rule of {@link maskDigitRuns}: no exact form of a message's card data is an escaped or
 * a Unicode one). For text where whole runs are found
 * otherwise (the inbound endpoint's sequence logs know the card data of their message) but a card number formatted
 * in groups is not. Throws `ISO8583_ERR_OPTION` for a value that is not text.
 */
export function maskGroupedNumbers(text: string): string {
  textArgument(text, 'text');
  return maskSettledWithFold(text, maskGroupedRuns, maskAllRuns, MOST_PASSES, starAllDigits);
}

/** The rule of {@link maskGroupedNumbers} over text whose digits are all ASCII. */
function maskGroupedRuns(text: string): string {
  return untilSettled(text, true);
}

/** The most passes of {@link untilSettled} over a text: a bounded number, so that its cost stays linear. */
const MOST_PASSES = 4;

/**
 * `text` masked by the rule ({@link maskPass}), and the text so masked masked again until that changes nothing,
 * {@link MOST_PASSES} passes at most. The stars of a masked number change what is around them: what it shows at
 * either end, now a run of its own, can be a group of a number in loose groups with the groups beside it
 * (`1234567890124111.1111.1111.1111`, a 16-digit run masked as a PAN, showed its `4111` and the groups after it, a
 * card number in loose groups; `4111.1111.1111.1111000000000` showed the groups before its first `1111`); a number
 * masked before a number in loose groups no longer makes it a part of a list (`12345674/3782/822463/10005`); the
 * stars of the decoded reading cut a run the text showed whole (`%76541333008%39010434` showed `%76541333***`, whose
 * `76541333`, the `76` of `%76`, a `v`, before the 6 digits the decoded PAN shows, passes the check), and those of
 * the text's own reading a run the decoded text showed whole. Each pass hides more or nothing.
 *
 * A text that the last pass still changed fails closed ({@link starAllDigits}: every digit of it starred): it is
 * a chain of such numbers, each one's last group shown only once the one before it was masked, each passing the check
 * by chance (`1234567890124111.1111.2222.333344/1111/2222/333345.1111.2222.333344/1111/2222/333345`: the 16-digit
 * run, then four numbers in loose groups, one a pass, the fifth pass would mask the last), and what a further pass
 * would hide cannot be told without making the passes unbounded. A rule finer than every digit would have to tell
 * which runs belong to a number yet unmasked, the very reading that did not settle; such a text is made of card-shaped
 * numbers, and hiding its other digits (a date, a STAN beside them) loses little.
 */
function untilSettled(text: string, groupedOnly: boolean): string {
  let before = text;
  let masked = maskPass(text, groupedOnly);
  for (let pass = 1; pass < MOST_PASSES && masked !== before; pass++) {
    before = masked;
    masked = maskPass(masked, groupedOnly);
  }
  return masked === before ? masked : starAllDigits(masked);
}


/** One pass of the rule: `text` masked as it is read, and as it reads with its escapes decoded (digit-escapes.ts). */
function maskPass(text: string, groupedOnly: boolean): string {
  return maskEscapedDigits(text, maskNumbers(text, groupedOnly), maskWholeRuns);
}

/** `text` read as it is, left to right, once: every number the rule masks masked. */
function maskNumbers(text: string, groupedOnly: boolean): string {
  const out: Masked = { parts: [], copied: 0 };
  const found: Found = { start: 0, end: 0 };
  for (let from = 0; panShapedRun(text, from, groupedOnly, found); ) {
    const { start, end } = found;
    starNumber(text, out, start, end);
    const track = trackEnd(text, end);
    if (track > end) starTrack(text, out, end, track);
    from = track;
  }
  if (out.parts.length === 0) return text;
  if (out.copied < text.length) out.parts.push(text.slice(out.copied));
  return out.parts.join('');
}

import { textArgument } from './arguments.js';

/*
 * The primary account number (PAN) of ISO/IEC 7812-1: 8 to 19 digits (8 since the 2017 edition; 12 to 19 before),
 * the issuer identification number first, the Luhn (mod 10) check digit last. How a PAN is shown when it must be
 * shown at all: at most its first 6 and last 4 digits (the most PCI DSS allows; fewer for a short PAN).
 */

/** The most leading and trailing digits of a PAN that a masked PAN shows: first 6 (the issuer's BIN), last 4. */
const PAN_HEAD = 6;
const PAN_TAIL = 4;
/**
 * The fewest characters a masked PAN of more than 10 characters hides (with one hidden digit, the Luhn check digit
 * gives it back). A 15- to 19-digit PAN hides 5 or more with first 6 + last 4 anyway; a shorter one shows fewer
 * leading digits (12 digits: first 3 + last 4). 10 characters or fewer are hidden entirely.
 */
const PAN_HIDDEN = 5;

/** How many leading characters a masked PAN of more than 10 characters shows. */
function panHead(length: number): number {
  return Math.min(PAN_HEAD, length - PAN_TAIL - PAN_HIDDEN);
}

/**
 * The PAN shown as first 6 + last 4 digits (`411111******1111`), with at least 5 hidden: a PAN of 11 to 14 digits shows
 * fewer leading digits (`41*****1111` for 11), and a value of 10 characters or fewer is hidden entirely. Throws
 * `ISO8583_ERR_OPTION` for a value that is not text.
 */
export function maskPan(pan: string): string {
  textArgument(pan, 'pan');
  const head = panShownHead(pan.length);
  const tail = panShownTail(pan.length);
  if (head + tail === 0) return '*'.repeat(pan.length);
  return pan.slice(0, head) + '*'.repeat(pan.length - head - tail) + pan.slice(-tail);
}

/**
 * How many leading characters {@link maskPan} shows of a PAN of `length` characters: none for 10 or fewer (hidden
 * entirely), else up to 6 with at least 5 hidden. The characters it hides run from there to the last
 * {@link panShownTail}. Internal (the free-text masks hide a number's digits in place by it).
 */
export function panShownHead(length: number): number {
  return length <= PAN_HEAD + PAN_TAIL ? 0 : panHead(length);
}

/** How many trailing characters {@link maskPan} shows of a PAN of `length` characters: none for 10 or fewer, else 4. */
export function panShownTail(length: number): number {
  return length <= PAN_HEAD + PAN_TAIL ? 0 : PAN_TAIL;
}

/**
 * True when `pan` is already masked as {@link maskPan} masks it, so that masking it again changes nothing
 * (`maskPan(pan) === pan`): stars between the leading digits shown and the last 4 characters (`411111******1111`), or
 * stars only for a value of 10 characters or fewer. What a store checks before it keeps a PAN it was given (without
 * building the masked copy). `'4111111111111111'` and `'4111**1111111111'` are not masked.
 */
export function isMaskedPan(pan: string): boolean {
  textArgument(pan, 'pan');
  const short = pan.length <= PAN_HEAD + PAN_TAIL;
  const end = short ? pan.length : pan.length - PAN_TAIL;
  for (let i = short ? 0 : panHead(pan.length); i < end; i++) if (pan.charCodeAt(i) !== 0x2a /* '*' */) return false;
  return true;
}

/**
 * The Luhn (mod 10) check of ISO/IEC 7812-1 Annex B, which every PAN's last digit satisfies: from the right, every
 * second digit doubled (its digits summed), and the total a multiple of 10. `false` for an empty string or one with a
 * character that is not a digit. Leading zeros do not change the result. Throws `ISO8583_ERR_OPTION` for a value
 * that is not text.
 */
export function luhnValid(digits: string): boolean {
  textArgument(digits, 'digits');
  return luhnValidAt(digits, 0, digits.length);
}

/**
 * {@link luhnValid} of the characters `text[start, end)`, read in place (no slice made). Internal (the free-text
 * masks check each run of digits they find in a long text by it).
 */
export function luhnValidAt(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  let sum = 0;
  let double = false;
  for (let i = end - 1; i >= start; i--) {
    let d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

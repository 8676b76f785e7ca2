/**
 * Where the track data after a card number ends in free text: the reading the free-text masks (digit-runs.ts) share
 * for track 1 (`^NAME^` and its digits), track 2 and 3 (`=` and digits) and BCD track 2 as hex writes it (`D`, `d`).
 */
import { maskWork } from './mask-work.js';
import { isDigit } from './number-text.js';

/** The longest cardholder name of track 1 (between its two `^`). */
export const TRACK1_NAME = 26;

/**
 * Where the track data after a PAN that ends at `at` ends: after `=` (track 2 and 3 in text) and its digits, after
 * `D` (the track 2 separator of BCD; `d` as lowercase hex writes it, `Buffer#toString('hex')`) and at least one digit,
 * after `^NAME^` (track 1, a name of up to 26 characters) and its digits; `at` when none follows. The separator may
 * come again among the digits (a field of the track left out: `=` or `D` for a missing expiry, `PAN==101...`,
 * `PAN^NAME^^101...`; track 3's `=` between its fields): the track runs on over it. The track 2 separators (`=`, `D`,
 * `d`) are one another's: `PAN D=101...` and `PAN=D101...` run on too.
 */
export function trackEnd(text: string, at: number): number {
  const separator = text[at];
  let i = at + 1;
  if (separator === '^') {
    const close = text.indexOf('^', i);
    maskWork.steps += (close < 0 ? text.length : close) - i;
    if (close < 0 || close - i > TRACK1_NAME) return at;
    i = close + 1;
  } else if (separator === 'D' || separator === 'd') {
    let k = i;
    while (isTrack2Separator(text.charCodeAt(k))) k++;
    maskWork.steps += k - i;
    if (!isDigit(text.charCodeAt(k))) return at;
  } else if (separator !== '=') {
    return at;
  }
  const again = separator === '^' ? isCaret : isTrack2Separator;
  const from = i;
  while (i < text.length && (isDigit(text.charCodeAt(i)) || again(text.charCodeAt(i)))) i++;
  maskWork.steps += i - from;
  return i;
}

/** `=`, `D` or `d`: a track 2 separator, in text or as hex writes BCD (mixed, `PAN D=101...`, they all end no track). */
function isTrack2Separator(code: number): boolean {
  return code === 0x3d || code === 0x44 || code === 0x64;
}

function isCaret(code: number): boolean {
  return code === 0x5e;
}

import { caretEnd } from './digit-escapes.js';
import { maskWork } from './mask-work.js';
import { isDigit, runEnd, separatorEnd } from './number-text.js';
import { panShownHead, panShownTail } from './pan.js';
import { TRACK1_NAME } from './track-end.js';

/*
 * How the free-text masks (digit-runs.ts) write what they hide: the masked text built left to right from slices of the
 * text and runs of stars, a number starred over its digits as maskPan masks a PAN (its separators kept), the track
 * data after one, and every digit of a text that did not settle. A mask hides characters and never moves one.
 */

const STAR = 0x2a;

/** Stars to cut runs of stars from (a slice of 13 or more characters is a view of it, not a copy); grows as needed. */
let starsText = '*'.repeat(64);

/** `n` stars. */
function stars(n: number): string {
  if (n > starsText.length) starsText = '*'.repeat(Math.max(n, 2 * starsText.length));
  return starsText.slice(0, n);
}

/**
 * The masked text being built: the pieces so far (slices of the text and runs of stars, joined once at the end) and
 * where the text is copied up to. A mask hides characters and never moves one, and the masks here write left to right.
 */
export interface Masked {
  parts: string[];
  copied: number;
}

/** Stars over `text[start, end)` (`start` at or after what is copied), the text before them copied. */
export function starRun(text: string, out: Masked, start: number, end: number): void {
  if (end <= start) return;
  if (start > out.copied) out.parts.push(text.slice(out.copied, start));
  out.parts.push(stars(end - start));
  out.copied = end;
}

/**
 * The number `text[start, end)` (digits and separators) masked into `out` as {@link maskPan} masks a PAN
 * over its digits (the digits it shows stay, the others become stars), its separators kept. A number of digits only
 * (the most common) is one run of stars between the digits shown: no string made but the stars' slice.
 */
export function starNumber(text: string, out: Masked, start: number, end: number): void {
  maskWork.steps += 2 * (end - start);
  // The digits of the number, its separators skipped whole (the `2` and `0` of `%20` are no digits of it).
  let digits = 0;
  let wide = false;
  for (let i = start; i < end; ) {
    if (isDigit(text.charCodeAt(i))) {
      digits++;
      i++;
    } else {
      const next = Math.max(i + 1, separatorEnd(text, i));
      for (; i < next; i++) if (text.charCodeAt(i) > 0xff) wide = true;
    }
  }
  // The digits maskPan hides of a PAN of as many digits: from its head shown to its tail shown.
  const firstHidden = panShownHead(digits);
  const endHidden = digits - panShownTail(digits);
  if (digits === end - start) {
    starRun(text, out, start + firstHidden, start + endHidden);
    return;
  }
  // Digits and separators, as Latin-1 bytes, or as UTF-16 where a separator is beyond Latin-1 (a narrow no-break
  // space, U+202F): each digit hidden or shown. (UTF-16 for every number costs twice the memory: the mask benchmark's
  // growth went over its target.)
  const encoding = wide ? 'utf16le' : 'latin1';
  const chars = Buffer.from(text.slice(start, end), encoding);
  for (let i = 0, d = 0; i < end - start; ) {
    if (isDigit(text.charCodeAt(start + i))) {
      if (d >= firstHidden && d < endHidden) {
        if (wide) chars.writeUInt16LE(STAR, 2 * i);
        else chars[i] = STAR;
      }
      d++;
      i++;
    } else i = Math.max(i + 1, separatorEnd(text, start + i) - start);
  }
  if (start > out.copied) out.parts.push(text.slice(out.copied, start));
  out.parts.push(chars.toString(encoding));
  out.copied = end;
}

/** The track data `text[at, end)` after its separator (`=`, `D` or `^`) starred into `out`, track 1's closing `^` kept. */
export function starTrack(text: string, out: Masked, at: number, end: number): void {
  maskWork.steps += end - at;
  const close = text[at] === '^' ? text.indexOf('^', at + 1) : -1;
  if (close < 0) {
    starRun(text, out, at + 1, end);
    return;
  }
  starRun(text, out, at + 1, close);
  starRun(text, out, close + 1, end);
}

/**
 * `text` with every digit starred, and every track 1 cardholder name after a digit (`^NAME^`, up to
 * {@link TRACK1_NAME} characters between the two `^`, as {@link trackEnd} reads one; either `^` escaped too, as the
 * rule's decoded reading sees it: `\u005eNAME\u005e`) starred between its `^`: what
 * {@link untilSettled} returns for a text that did not settle. The digits of escapes are digits too (`&#**;`,
 * `\u****`, `%**`: every escape of a digit is written in digits), so no digit the rule reads decoded stays. One pass,
 * the text's length and its other characters kept.
 */
export function starAllDigits(text: string): string {
  const out: Masked = { parts: [], copied: 0 };
  maskWork.steps += text.length;
  for (let i = 0; i < text.length; ) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const end = runEnd(text, i);
    starRun(text, out, i, end);
    i = end;
    const open = caretEnd(text, end);
    if (open < 0) continue;
    // The name of a track 1 after the run: its closing `^` (as it is or escaped) looked for among the next
    // TRACK1_NAME + 1 characters only; an escaped opening `^` has its own digits starred first (`\u***e`).
    let close = open;
    while (close < text.length && close - open <= TRACK1_NAME && caretEnd(text, close) < 0) close++;
    if (close >= text.length || close - open > TRACK1_NAME) continue;
    for (let k = end; k < open; k++) if (isDigit(text.charCodeAt(k))) starRun(text, out, k, k + 1);
    starRun(text, out, open, close);
    i = close;
  }
  if (out.parts.length === 0) return text;
  if (out.copied < text.length) out.parts.push(text.slice(out.copied));
  return out.parts.join('');
}

import { maskWork } from './mask-work.js';
import { hexDigit, isDigit, isUnicodeSeparator } from './number-text.js';
import { foldedValue, fullWidthForm, INVISIBLE, utf8Scalar } from './unicode-digits.js';

/*
 * Digits written as HTML, JSON or URL escapes (`&#52;&#49;...`, `&#x34;&#x31;...`, `\u0034\u0031...`, `%34%31...`,
 * `%u0034%u0031...`), and
 * separators so written between a number's groups (`4111%2F1111...`); also the escapes of what the rule reads beyond
 * ASCII (unicode-digits.ts, number-text.ts): other decimal digits (`&#65300;`, `\uff14`, `%EF%BC%94` as UTF-8, `\ud835\udfce`
 * as a JSON surrogate pair), Unicode spaces and dashes (`&#160;`, `&#8211;`, `\u2013`, `%C2%A0`), and invisible
 * characters (`&#8203;`, `&shy;` as `&#173;`: read as nothing): a card number that went through an HTML encoder,
 * a JSON writer or a URL encoder on its way into a log line or an error text. Read by the rule of maskDigitRuns
 * (digit-runs.ts, the one home): the text is decoded, masked, and each hidden character's escape has its digits
 * starred in place (`&#**;`, `&#x**;`, `\u****`, `%**`), as maskHexRuns (hex-runs.ts) stars a byte's hex digits.
 */

/** `*` as a UTF-16 code unit. */
const STAR = 0x2a;
/** The most digits of an HTML character reference's number read (`&#0000052;`): a longer one is left as it is. */
const LONGEST_REFERENCE = 7;
const PERCENT = 0x25;

/**
 * The escape at `at`, if one is there, written to `escape`: an HTML character reference `&#52;` (decimal) or `&#x34;`
 * (hex, `x` either case; up to {@link LONGEST_REFERENCE} digits, the `;` required), a JSON (and JavaScript) escape
 * `\u0034` (4 hex digits; a backslash written before it, `\\u0034` as JSON writes a text that holds one, changes
 * nothing: the safe side), a URL's percent escape `%34` (2 hex digits, either case; one decoding, as a URL is read:
 * `%2534` is `%34`), or the `%u0034` of JavaScript's `escape()` (4 hex digits, `u` either case). `escape.code` is the character it stands for, `escape.digits` and `escape.digitsEnd` where
 * its number is, `escape.end` where the escape ends.
 */
function readEscape(text: string, at: number, escape: Escape): boolean {
  const first = text.charCodeAt(at);
  if (first === PERCENT) {
    // `%u0034`: the non-standard escape of JavaScript's `escape()` and old IIS URLs, a UTF-16 code unit (a surrogate
    // pair `%uD835%uDFCE` read as one character, as JSON's).
    if ((text.charCodeAt(at + 1) | 0x20) === 0x75 /* u */) return codeUnitEscape(text, at, escape);
    const byte = percentByte(text, at);
    if (byte < 0) return false;
    const utf8 = byte >= 0x80 ? utf8End(text, at, byte) : -1;
    return utf8 > 0 ? escapeAt(escape, utf8Code, at + 1, utf8, utf8) : escapeAt(escape, byte, at + 1, at + 3, at + 3);
  }
  if (first === 0x5c /* \ */) return codeUnitEscape(text, at, escape);
  if (first !== 0x26 /* & */) return false;
  if (text.charCodeAt(at + 1) !== 0x23 /* # */) return namedReference(text, at, escape);
  const hex = (text.charCodeAt(at + 2) | 0x20) === 0x78 /* x */;
  const digits = hex ? at + 3 : at + 2;
  let code = 0;
  let i = digits;
  for (; i < text.length && i - digits < LONGEST_REFERENCE; i++) {
    const v = hex ? hexDigit(text.charCodeAt(i)) : isDigit(text.charCodeAt(i)) ? text.charCodeAt(i) - 0x30 : -1;
    if (v < 0) break;
    code = code * (hex ? 16 : 10) + v;
  }
  if (i === digits || text.charCodeAt(i) !== 0x3b /* ; */) return false;
  return escapeAt(escape, code, digits, i, i + 1);
}

/**
 * The HTML named character references of what the rule reads (digit-runs.ts): the spaces, dashes and invisible
 * characters an HTML writer names (`&nbsp;`, `&ndash;`, `&shy;`), the separators and track separators (`&period;`,
 * `&sol;`, `&equals;`, `&Hat;`...), and `&amp;` (a text HTML-escaped twice: `&amp;#52;` is `&#52;`, a `4`).
 */
const NAMED = new Map<string, number>([
  ['nbsp', 0xa0], ['ensp', 0x2002], ['emsp', 0x2003], ['emsp13', 0x2004], ['emsp14', 0x2005], ['numsp', 0x2007],
  ['puncsp', 0x2008], ['thinsp', 0x2009], ['hairsp', 0x200a], ['NonBreakingSpace', 0xa0], ['ThinSpace', 0x2009],
  ['hyphen', 0x2010], ['dash', 0x2010], ['ndash', 0x2013], ['mdash', 0x2014], ['horbar', 0x2015], ['minus', 0x2212],
  ['shy', 0xad], ['ZeroWidthSpace', 0x200b], ['zwnj', 0x200c], ['zwj', 0x200d], ['lrm', 0x200e], ['rlm', 0x200f],
  ['NoBreak', 0x2060], ['Tab', 0x09], ['plus', 0x2b], ['period', 0x2e], ['sol', 0x2f], ['lowbar', 0x5f],
  ['UnderBar', 0x5f], ['comma', 0x2c], ['colon', 0x3a], ['verbar', 0x7c], ['vert', 0x7c], ['VerticalLine', 0x7c],
  ['apos', 0x27], ['rsquo', 0x2019], ['equals', 0x3d], ['Hat', 0x5e], ['percnt', 0x25], ['amp', 0x26], ['AMP', 0x26],
  ['num', 0x23], ['semi', 0x3b], ['bsol', 0x5c],
]);
/** The longest name of {@link NAMED}. */
const LONGEST_NAME = 16;

/** The named reference at `at` (`&nbsp;`), if it is one of {@link NAMED}, written to `escape` (its number: its name). */
function namedReference(text: string, at: number, escape: Escape): boolean {
  let end = at + 1;
  while (end - at - 1 < LONGEST_NAME && isNameCharacter(text.charCodeAt(end))) end++;
  if (end === at + 1 || text.charCodeAt(end) !== 0x3b /* ; */) return false;
  const code = NAMED.get(text.slice(at + 1, end));
  return code !== undefined && escapeAt(escape, code, at + 1, end, end + 1, true);
}

/** A letter or digit of a reference's name. */
function isNameCharacter(code: number): boolean {
  const lower = code | 0x20;
  return (lower >= 0x61 && lower <= 0x7a) || isDigit(code);
}

/** The byte of the percent escape at `at` (`%34`), -1 when none is there. */
function percentByte(text: string, at: number): number {
  if (text.charCodeAt(at) !== PERCENT) return -1;
  const high = hexDigit(text.charCodeAt(at + 1));
  const low = high < 0 ? -1 : hexDigit(text.charCodeAt(at + 2));
  return low < 0 ? -1 : high * 16 + low;
}

/** The code point of the last UTF-8 sequence {@link utf8End} read. */
let utf8Code = 0;

/**
 * Where the UTF-8 sequence of percent escapes whose first byte `lead` is at `at` ends (`%EF%BC%94`, U+FF14), its code
 * point in {@link utf8Code}; -1 when the bytes are no valid UTF-8 sequence of 2 to 4 bytes (an overlong form, a
 * surrogate, a byte missing: the first escape is then read alone, as a byte beyond ASCII).
 */
function utf8End(text: string, at: number, lead: number): number {
  const more = lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
  if (more === 0) return -1;
  let code = lead & (0x3f >> more);
  let end = at + 3;
  for (let k = 0; k < more; k++, end += 3) {
    const byte = percentByte(text, end);
    if (byte < 0x80 || byte > 0xbf) return -1;
    code = (code << 6) | (byte & 0x3f);
  }
  if (!utf8Scalar(code, more)) return -1;
  utf8Code = code;
  return end;
}

/**
 * The escape of a UTF-16 code unit at `at` (`\u0034`, `%u0034`), written to `escape`; a surrogate pair (`\ud835\udfce`,
 * `%uD835%uDFCE`: a character beyond the BMP) read as one character.
 */
function codeUnitEscape(text: string, at: number, escape: Escape): boolean {
  const code = unicodeEscape(text, at);
  if (code < 0) return false;
  const low = code >= 0xd800 && code <= 0xdbff ? unicodeEscape(text, at + 6) : -1;
  if (low >= 0xdc00 && low <= 0xdfff) return escapeAt(escape, 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00), at + 2, at + 12, at + 12);
  return escapeAt(escape, code, at + 2, at + 6, at + 6);
}

/** The code unit of the JSON escape `\u0034` (or the URL escape `%u0034`, `u` either case there) at `at`, -1 when none is there. */
function unicodeEscape(text: string, at: number): number {
  const first = text.charCodeAt(at);
  const u = text.charCodeAt(at + 1);
  if (!(first === 0x5c && u === 0x75) && !(first === PERCENT && (u | 0x20) === 0x75)) return -1;
  let code = 0;
  for (let k = at + 2; k < at + 6; k++) {
    const v = hexDigit(text.charCodeAt(k));
    if (v < 0) return -1;
    code = code * 16 + v;
  }
  return code;
}

/** In what {@link decodedUnit} returns: an escape read as nothing (an invisible character). */
const DROPPED = -2;

/**
 * The code unit an escape of `code` is read as in the decoded text: an ASCII character as itself, a decimal digit
 * beyond ASCII as its ASCII digit, a Unicode space or dash as itself; {@link DROPPED} for an invisible character
 * (unicode-digits.ts); -1 for any other, whose escape is left as it is written.
 */
function decodedUnit(code: number): number {
  if (code < 0x80) return code;
  // A reference to no code point (`&#x300000;`, beyond U+10FFFF) is text.
  if (code > 0x10ffff) return -1;
  const value = foldedValue(code);
  if (value < 10) return 0x30 + value;
  if (value === INVISIBLE) return DROPPED;
  if (fullWidthForm(code)) return code - 0xfee0;
  return isUnicodeSeparator(code) ? code : -1;
}

/** What {@link caretEnd} reads an escape into (one object, so that a look for a caret makes none). */
const probe: Escape = { code: 0, digits: 0, digitsEnd: 0, end: 0, named: false };

/**
 * Where a track separator `^` at `at` ends, written as it is or escaped as {@link readEscape} reads one (`\u005e`,
 * `%5E`, `&#94;`, `&#x5e;`, `&Hat;`); -1 when none starts there.
 */
export function caretEnd(text: string, at: number): number {
  if (text.charCodeAt(at) === 0x5e) return at + 1;
  return readEscape(text, at, probe) && probe.code === 0x5e ? probe.end : -1;
}

/** An escape found by {@link readEscape}. */
interface Escape {
  code: number;
  /** Where its number is: `text[digits, digitsEnd)`. */
  digits: number;
  digitsEnd: number;
  end: number;
  /** A named reference (`&nbsp;`): its whole name is its number, starred whole. */
  named: boolean;
}

function escapeAt(escape: Escape, code: number, digits: number, digitsEnd: number, end: number, named = false): true {
  escape.named = named;
  escape.code = code;
  escape.digits = digits;
  escape.digitsEnd = digitsEnd;
  escape.end = end;
  return true;
}

/**
 * The characters other than digits that the rule reads (separators, track separators): an escape of one of them can
 * join or cut a number as well as an escape of a digit (`4111 1111\u0020 1111 1111`).
 */
const RULE_CHARACTERS = new Set(' \t-+./_,:|\'=^D%'.split('').map((c) => c.charCodeAt(0)));

/**
 * The characters an escape is written with, other than digits and `%` (a rule character): an escape of one of them,
 * decoded, can complete an escape with the text beside it (`%2&#66;` is `%2B`, a `+` between groups; `&&#35;52;` is
 * `&#52;`, a `4`), which the rule reads as the escape it spells.
 */
const ESCAPE_CHARACTERS = new Set('&#;\\uxXabcdefABCDEF'.split('').map((c) => c.charCodeAt(0)));

/**
 * Whether `text` holds an escape ({@link readEscape}) of a digit, of a character the rule reads or of one an escape is
 * written with ({@link ESCAPE_CHARACTERS}), or an escape of any other ASCII character whose number ends the escape
 * with a digit and runs on into a digit or a character the rule reads: read as it is, its number's digits join the
 * number that follows (`%76010000008` is the 11 digits `76010000008`, `%76.4111.1111.1111.1111` a list whose first
 * group is `76`), read decoded they do not (`v010000008`, `v.4111.1111.1111.1111`), and each reading hides what the
 * other may show.
 */
function hasRuleEscape(text: string): boolean {
  const escape: Escape = { code: 0, digits: 0, digitsEnd: 0, end: 0, named: false };
  for (const opener of ['&', '\\u', '%']) {
    for (let at = text.indexOf(opener); at >= 0; at = text.indexOf(opener, at + 1)) {
      maskWork.steps++;
      if (!readEscape(text, at, escape)) continue;
      if (isDigit(escape.code) || RULE_CHARACTERS.has(escape.code) || ESCAPE_CHARACTERS.has(escape.code)) return true;
      if (escape.code >= 0x80 && decodedUnit(escape.code) !== -1) return true;
      if (escape.code < 0x80 && escape.digitsEnd === escape.end && isDigit(text.charCodeAt(escape.end - 1))) {
        const next = text.charCodeAt(escape.end);
        if (isDigit(next) || RULE_CHARACTERS.has(next)) return true;
      }
    }
    maskWork.steps += text.length;
  }
  return false;
}

/**
 * `out` (`text` with its own masks, of the same length) with the numbers that `text` spells with its escapes decoded
 * (every HTML character reference, JSON `\u` escape and URL percent escape of an ASCII character: digits, and the
 * separators and track separators the rule reads, `&#32;`, `\u002d`, `&#61;`, `%2F`) masked by `mask` (the rule of
 * maskDigitRuns, whole runs included), each hidden character's escape starred over its number (`&#**;`, `&#x**;`,
 * `\u****`, `%**`), a hidden character
 * written as itself starred. Only when `text` holds an escape of a digit or of another character the rule reads
 * ({@link RULE_CHARACTERS}), or one whose number runs into a number (see {@link hasRuleEscape}); linear in the length
 * of `text`.
 */
export function maskEscapedDigits(text: string, out: string, mask: (text: string) => string): string {
  if (!hasRuleEscape(text)) return out;
  // The decoded text, and where each of its characters is in `text`: [from[k], to[k]).
  const from = new Int32Array(text.length);
  const to = new Int32Array(text.length);
  // 1 for a named reference's name, starred whole.
  const named = new Uint8Array(text.length);
  const escape: Escape = { code: 0, digits: 0, digitsEnd: 0, end: 0, named: false };
  // The decoded text's code units, made into one string at the end (no string grown a character at a time).
  const units = new Uint16Array(text.length);
  let n = 0;
  let copied = 0;
  const copy = (end: number): void => {
    for (let k = copied; k < end; k++, n++) {
      units[n] = text.charCodeAt(k);
      from[n] = k;
      to[n] = k + 1;
    }
  };
  for (let i = 0; i < text.length; ) {
    maskWork.steps++;
    const unit = readEscape(text, i, escape) ? decodedUnit(escape.code) : -1;
    if (unit !== -1) {
      // The backslashes written before a `\u` escape (`\\u0034`, a JSON text that holds one) are left out: no
      // character of the number.
      let plain = i;
      if (text.charCodeAt(i) === 0x5c) while (plain > copied && text.charCodeAt(plain - 1) === 0x5c) plain--;
      copy(plain);
      if (unit !== DROPPED) {
        units[n] = unit;
        from[n] = escape.digits;
        to[n] = escape.digitsEnd;
        named[n] = escape.named ? 1 : 0;
        n++;
      }
      i = copied = escape.end;
    } else i++;
  }
  copy(text.length);
  const decoded = Buffer.from(units.buffer, 0, 2 * n).toString('utf16le');
  const masked = mask(decoded);
  if (masked === decoded) return out;
  maskWork.steps += 2 * text.length;
  const chars = Buffer.from(out, 'utf16le');
  for (let k = 0; k < decoded.length; k++) {
    if (masked.charCodeAt(k) === decoded.charCodeAt(k)) continue;
    // A character written as itself, or a named reference's name, starred whole; an escape's hex digits (`%EF%BC%94`
    // is `%**%**%**`, `\ud835\udfce` is `\u****\u****`).
    const whole = named[k] === 1 || to[k]! - from[k]! === 1;
    for (let i = from[k]!; i < to[k]!; i++) if (whole || hexDigit(text.charCodeAt(i)) >= 0) chars.writeUInt16LE(STAR, 2 * i);
  }
  return chars.toString('utf16le');
}

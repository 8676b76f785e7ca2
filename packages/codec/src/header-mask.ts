/**
 * A message or frame header as a log or a description may show it. A header holds whatever a peer put there, so a card
 * number in it is hidden; but a header is mostly fixed data written as digits (a BASE24 `ISO0010000...`, a TPDU
 * `6000010000`, a routing number), which the free-text rule of a field (any 12 digits) would hide, hiding the header
 * an operator reads the description for. Here a card number is what passes the Luhn check.
 */
import { textArgument } from './arguments.js';
import { maskHexRuns } from './hex-runs.js';
import { luhnValid } from './pan.js';
import { maskWork } from './mask-work.js';
import { isDigit } from './number-text.js';
import { trackEnd } from './track-end.js';

/** The fewest digits of a card number (ISO/IEC 7812: 12 to 19 after any leading zeros). */
const SHORTEST = 12;
/** The most digits of a card number: a longer run of digits may hold one anywhere, so it is hidden whole. */
const LONGEST = 19;
const STAR = '*';

/**
 * Whether the bytes of the run `hex[start, end)` (whole bytes: the header's hex starts at a byte) are all ASCII digits
 * (`30` to `39`): such bytes are text, which {@link maskHexRuns} reads, not BCD.
 */
function asciiDigits(hex: string, start: number, end: number): boolean {
  if (start % 2 !== 0 || end % 2 !== 0) return false;
  for (let i = start; i < end; i += 2) if (hex.charCodeAt(i) !== 0x33) return false;
  return true;
}

/** Whether digits `run` (as BCD) could be a card number: 12 to 19 digits after leading zeros that pass Luhn, or more. */
function bcdCard(run: string): boolean {
  let zeros = 0;
  while (zeros < run.length && run.charCodeAt(zeros) === 0x30) zeros++;
  const significant = run.length - zeros;
  return significant > LONGEST || (significant >= SHORTEST && luhnValid(run));
}

/**
 * Where a card number in the BCD run `hex[start, end)` starts, -1 when it holds none: the run itself ({@link bcdCard});
 * a BCD number starts at a byte, so a run that starts inside one (`B1` before `4111...`) is read from the next too;
 * and the run without its first byte (a length or a tag before the number: `16` before a 16-digit PAN,
 * `164111111111111111`) or without its last (a byte after it: `411111111111111101`), either of which made the run
 * fail the Luhn check. The whole run is hidden then (what is around the number is hidden with it: the safe side).
 */
function cardStart(hex: string, start: number, end: number): number {
  if (bcdCard(hex.slice(start, end))) return start;
  const byte = start % 2 === 0 ? start : start + 1;
  if (byte > start && bcdCard(hex.slice(byte, end))) return byte;
  if (end - byte - 2 < SHORTEST) return -1;
  const last = (end - byte) % 2 === 0 ? end - 2 : end - 1;
  return bcdCard(hex.slice(byte + 2, end)) || bcdCard(hex.slice(byte, last)) ? byte : -1;
}

/**
 * `hex` (a message or frame header's bytes, in hex) with the card numbers it holds hidden, each hidden
 * digit as `*` (BCD) or each hidden character's two hex digits as `**` (ASCII or EBCDIC): a run of BCD digits of 12 to
 * 19 digits that passes the Luhn check (from its start, or after a length or tag byte before it), or longer, and the
 * track 2 data after it (`D` and the digits that follow); the number its bytes spell as ASCII or EBCDIC text, by the free-text
 * rule ({@link maskHexRuns}). The hex of ASCII digits (`303031...`) is read as text, not as BCD. Linear in the length.
 * Throws `ISO8583_ERR_OPTION` for a value that is not text.
 *
 * What it costs (the safe side, kept so): a BCD run is read up to four ways (as it is, from its first whole byte,
 * without its first byte, without its last), each passing the Luhn check about one time in ten, and hidden whole when
 * one does; so BCD data of 12 digits or more that is no card number is hidden as often. A BCD timestamp between two
 * bytes that are no digits but whose nibble beside it is one (`A1` + `YYYYMMDDhhmmss` + `FF`, 15 digits in a run) is
 * hidden about one time in three: 724 of 2,000 generated (`YYMMDDhhmmss`: 358 of 2,000; header-mask.test.ts counts
 * them). Reading fewer ways would show a PAN that has a length or tag byte before it, or a byte after it.
 */
export function maskHeader(hex: string): string {
  textArgument(hex, 'hex');
  let out = '';
  let from = 0;
  for (let i = 0; i < hex.length; ) {
    if (!isDigit(hex.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < hex.length && isDigit(hex.charCodeAt(end))) end++;
    maskWork.steps += end - i;
    const start = asciiDigits(hex, i, end) ? -1 : cardStart(hex, i, end);
    if (start >= 0) {
      // A BCD track 2 goes on after the number: `D` and its digits (expiry, service code, discretionary data), hidden
      // with it as the free-text masks hide them (trackEnd, their one reading).
      const track = trackEnd(hex, end);
      out += hex.slice(from, start) + STAR.repeat(track - start);
      from = track;
      i = track;
      continue;
    }
    i = end;
  }
  out += hex.slice(from);
  return maskHexRuns(hex, out);
}

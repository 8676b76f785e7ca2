/**
 * The ASCII text field: a value of ASCII characters or digits (types `n`, `a`, `an`, `ans`, `z`, `xn` ... with
 * `ascii` encoding), fixed length or variable with a length prefix: LLVAR, LLLVAR ... with ASCII length digits, the
 * most common field of ASCII dialects (`iso87ascii`, jPOS `IFA_LLCHAR`, `IFA_LLNUM`). Its reader and its checked
 * writer live here, and nowhere else.
 */
import type { FieldPlan } from './plan.js';
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';
import { overMax, prefixError, typeError } from './reader.js';
import { CLASS, DIGITS, PRINTABLE, allowed, allowedBytes, isAmountBytes, isDigitCode, isPrintableCode } from './charset.js';
import { writePrefix } from './write.js';
import { ASCII_ZERO, readDecimalPrefix, writeDecimalPrefix } from '../prefix/decimal-chars.js';
import { latin1Write } from '../encoding/ascii.js';

/**
 * Reads the ASCII text field `plan` at `offset` (not beyond `limit`), with the strict type check unless lenient;
 * leaves `r.pos` after it.
 */
export function readAsciiText(r: Reader, plan: FieldPlan, offset: number, limit: number, lenient: boolean): string {
  const buf = r.buf;
  let start: number;
  let units: number;
  if (plan.fixed) {
    start = offset;
    units = plan.length;
    if (start + units > limit) throw r.truncated(plan.id, offset, limit, start + units);
  } else if (plan.asciiDigits) {
    // LLVAR: the length as ASCII digits, then that many characters.
    start = offset + plan.pfxDigits;
    if (start > limit) throw r.truncated(plan.id, offset, limit, start);
    units = readDecimalPrefix(buf, offset, plan.pfxDigits, ASCII_ZERO);
    if (units < 0) throw prefixError(plan, offset, 'the length prefix is not a number');
    if (units > plan.length) throw overMax(plan, offset, units);
    if (start + units > limit) throw r.truncated(plan.id, offset, limit, start + units);
  } else {
    // Another prefix (EBCDIC, BCD or binary length; half-bytes counted).
    r.extent(plan, offset, limit);
    start = r.pos;
    units = r.units;
  }
  // Checked byte by byte: over bytes, the loop measured as fast as the type's pattern over the string (`charset.ts`).
  if (!lenient && (plan.amount ? !isAmountBytes(buf, start, units) : !allowedBytes(buf, start, units, plan.mask))) {
    throw typeError(plan, offset);
  }
  const end = start + units;
  r.pos = end;
  return r.text.substring(start, end);
}

/**
 * Values longer than this are checked by their type's pattern and copied by one native call (for fewer characters
 * the loop that checks and copies each one is faster: measured even at about 37).
 */
const LONG_COPY = 32;

/**
 * Writes the ASCII text `s` of `plan` at `off` (its length prefix, if any: LLVAR, LLLVAR ... as ASCII digits, else by
 * `writePrefix`; then its characters), checking the type on the way. The caller has checked that `s` fits as it is
 * (no padding). Returns the offset after it, or -1 on a character that the type does not allow.
 */
export function writeAsciiText(w: Writer, off: number, plan: FieldPlan, s: string): number {
  const n = s.length;
  let buf = w.buf;
  if (off + n + 8 > buf.length) {
    w.ensure(off + n + 8);
    buf = w.buf;
  }
  let o = off;
  if (plan.asciiDigits) {
    // LLVAR: the length as ASCII digits.
    o = writeDecimalPrefix(buf, o, n, plan.pfxDigits, ASCII_ZERO);
  } else if (!plan.fixed) {
    o = writePrefix(buf, o, plan, n);
  }
  return copyChecked(buf, o, s, plan.mask);
}

/**
 * Copies the characters of `s` into `buf` at `o` (room made by the caller), checking each against the character
 * classes `mask`; returns the offset after them, or -1 on a character that the type does not allow.
 */
function copyChecked(buf: Buffer, o: number, s: string, mask: number): number {
  const n = s.length;
  if (n > LONG_COPY && latin1Write !== undefined) {
    // A long value: the check of the whole string (no character above 0xFF passes it), then one native copy.
    if (!allowed(s, mask)) return -1;
    latin1Write.call(buf, s, o);
    return o + n;
  }
  // The commonest types checked by range (as `allowedBytes` does), the others by table.
  if (mask === DIGITS) {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (!isDigitCode(c)) return -1;
      buf[o++] = c;
    }
    return o;
  }
  if (mask === PRINTABLE) {
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (!isPrintableCode(c)) return -1;
      buf[o++] = c;
    }
    return o;
  }
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || (CLASS[c]! & mask) === 0) return -1;
    buf[o++] = c;
  }
  return o;
}

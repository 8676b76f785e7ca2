/**
 * The one-pass writer of pack: for the common cases (an ASCII text or digit value of the right size, a BCD number, a
 * binary value) the type check and the write are one loop over the characters. Anything else (padding, amounts,
 * EBCDIC, lenient mode) goes through `prepareText` and `writeField`. Which writer a field takes is decided once, when
 * the dialect is compiled (`FieldPlan.writer`); the interpreter (`pack.ts`) and the plans (`pack-shapes.ts`) both
 * write every plain value through {@link writeValue}, the one home of these rules. Returns -1 on any problem: the
 * caller then collects every problem of the message on the slow path.
 */
import type { FieldPlan } from './plan.js';
import { COUNT_UNITS, WRITE_ASCII_FIXED, WRITE_ASCII_VAR, WRITE_BCD, WRITE_BINARY, WRITE_HEX, prefixValue } from './plan.js';
import type { Writer } from './writer.js';
import { prepareText } from './prepare.js';
import { writeAsciiText } from './ascii-text.js';
import { maxWireSize, writeField, writePrefix } from './write.js';
import { writeBcd } from '../encoding/bcd.js';
import { HEX_VALUE } from '../encoding/hex-digits.js';
import { isDigitCode } from './charset.js';

/** Any value of any plain field: prepared (padded, checked), then written. */
function general(w: Writer, off: number, plan: FieldPlan, s: string, lenient: boolean): number {
  const t = prepareText(plan, s, lenient, w.problem);
  if (t === undefined) return -1;
  w.ensure(off + maxWireSize(t));
  return writeField(w.buf, off, plan, t);
}

/** True when `units` fits the field as it is: the exact fixed length, or within the maximum and the prefix. */
function fits(plan: FieldPlan, units: number): boolean {
  if (plan.fixed) return units === plan.length;
  return units <= plan.length && (plan.counts === COUNT_UNITS ? units : prefixValue(plan, units)) <= plan.pfxMax;
}

/** BCD digits (track data: `=` and `D` too) that fit as they are. */
function writeBcdDigits(w: Writer, off: number, plan: FieldPlan, s: string): number {
  const n = s.length;
  if (!fits(plan, n) || (plan.evenDigits && (n & 1) !== 0)) return general(w, off, plan, s, false);
  const track = plan.track;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (!isDigitCode(c) && !(track && (c === 0x3d || c === 0x44))) return general(w, off, plan, s, false);
  }
  w.ensure(off + n + 8);
  const buf = w.buf;
  const o = plan.fixed ? off : writePrefix(buf, off, plan, n);
  return writeBcd(buf, o, s, 0, plan.leftJustified, plan.padNibble);
}

/** Hex digits that travel as raw bytes (`binary`) or as uppercase hex characters (`hex`). */
function writeHexDigits(w: Writer, off: number, plan: FieldPlan, s: string, raw: boolean): number {
  const n = s.length;
  const units = n >> 1;
  if ((n & 1) !== 0 || !fits(plan, units)) return general(w, off, plan, s, false);
  w.ensure(off + n + 8);
  const buf = w.buf;
  let o = plan.fixed ? off : writePrefix(buf, off, plan, units);
  if (!raw) {
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c > 0xff || HEX_VALUE[c] === 255) return -1;
      if (c >= 0x61) c -= 0x20;
      buf[o++] = c;
    }
    return o;
  }
  for (let i = 0; i < n; i += 2) {
    const a = s.charCodeAt(i);
    const b = s.charCodeAt(i + 1);
    if (a > 0xff || b > 0xff) return -1;
    const hi = HEX_VALUE[a]!;
    const lo = HEX_VALUE[b]!;
    if (hi === 255 || lo === 255) return -1;
    buf[o++] = (hi << 4) | lo;
  }
  return o;
}

/**
 * The end of what {@link writeValue} may have written of `s` at `off` before it gave up on it (its length digits and
 * at most 4 bytes a character, and the slack of a write): what a pack that gives up wipes (`Writer.wipe`).
 */
export function writtenTo(plan: FieldPlan, off: number, s: string): number {
  return off + plan.pfxSize + 4 * s.length + 8;
}

/** Writes the plain value `s` of `plan` at `off`, checking it on the way; returns the offset after it, or -1. */
export function writeValue(w: Writer, off: number, plan: FieldPlan, s: string, lenient: boolean): number {
  if (lenient) return general(w, off, plan, s, true);
  switch (plan.writer) {
    case WRITE_ASCII_FIXED:
      return s.length === plan.length ? writeAsciiText(w, off, plan, s) : general(w, off, plan, s, false);
    case WRITE_ASCII_VAR:
      return fits(plan, s.length) ? writeAsciiText(w, off, plan, s) : general(w, off, plan, s, false);
    case WRITE_BCD:
      return writeBcdDigits(w, off, plan, s);
    case WRITE_BINARY:
      return writeHexDigits(w, off, plan, s, true);
    case WRITE_HEX:
      return writeHexDigits(w, off, plan, s, false);
    default:
      return general(w, off, plan, s, false);
  }
}

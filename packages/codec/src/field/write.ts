/**
 * Writing one prepared field value: its length prefix (for LLVAR and the like), then the value in its encoding.
 */
import type { FieldPlan } from './plan.js';
import {
  ENC_ASCII,
  ENC_BCD,
  ENC_BINARY,
  ENC_EBCDIC,
  ENC_HEX,
  PFX_ASCII,
  PFX_BCD,
  PFX_BINARY,
  PFX_EBCDIC,
  prefixValue,
} from './plan.js';
import { writeAscii } from '../encoding/ascii.js';
import { LATIN1_TO_EBCDIC, writeEbcdic } from '../encoding/ebcdic.js';
import { writeBcd } from '../encoding/bcd.js';
import { writeBinary } from '../encoding/binary.js';
import { writeEbcdicHexChars, writeHexChars } from '../encoding/hex.js';
import { ASCII_ZERO, EBCDIC_ZERO, writeDecimalPrefix } from '../prefix/decimal-chars.js';
import { writeBcdPrefix } from '../prefix/bcd.js';
import { writeBinaryPrefix } from '../prefix/binary.js';

/** The most bytes that the value `s` can take with its prefix: how much room to make before writing it. */
export function maxWireSize(s: string): number {
  return 2 * s.length + 8;
}

/** Writes the length prefix of a value of `units` units; returns the offset after it. */
export function writePrefix(buf: Uint8Array, offset: number, plan: FieldPlan, units: number): number {
  const length = prefixValue(plan, units);
  switch (plan.pfx) {
    case PFX_ASCII:
      return writeDecimalPrefix(buf, offset, length, plan.pfxDigits, ASCII_ZERO);
    case PFX_EBCDIC:
      return writeDecimalPrefix(buf, offset, length, plan.pfxDigits, EBCDIC_ZERO);
    case PFX_BCD:
      return writeBcdPrefix(buf, offset, length, plan.pfxDigits);
    case PFX_BINARY:
      return writeBinaryPrefix(buf, offset, length, plan.pfxDigits);
    default:
      return offset;
  }
}

/** Writes a value prepared by `prepareValue` (prefix, then value); returns the offset after it. */
export function writeField(buf: Uint8Array, offset: number, plan: FieldPlan, s: string): number {
  let o = offset;
  if (!plan.fixed) o = writePrefix(buf, o, plan, plan.hexForm ? s.length >> 1 : s.length);
  switch (plan.enc) {
    case ENC_ASCII:
      return writeAscii(buf, o, s);
    case ENC_EBCDIC:
      return writeEbcdic(buf, o, s, plan.codePage.fromLatin1);
    case ENC_BCD:
      if (plan.bcdAmount) {
        if (s.length === 0) return o;
        const sign = s.charCodeAt(0);
        buf[o++] = plan.signEbcdic ? LATIN1_TO_EBCDIC[sign]! : sign;
        return writeBcd(buf, o, s, 1, plan.leftJustified, plan.padNibble);
      }
      return writeBcd(buf, o, s, 0, plan.leftJustified, plan.padNibble);
    case ENC_BINARY:
      return writeBinary(buf, o, s);
    case ENC_HEX:
      return writeHexChars(buf, o, s);
    default:
      return writeEbcdicHexChars(buf, o, s);
  }
}

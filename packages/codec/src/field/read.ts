/**
 * Reading one field: its length prefix (checked against the field maximum), a bounds check, then the value, with
 * the strict type check unless lenient. `cursor.pos` is left after the field.
 */
import type { FieldPlan } from './plan.js';
import {
  COUNT_BYTES,
  COUNT_NIBBLES,
  ENC_ASCII,
  ENC_BCD,
  ENC_BINARY,
  ENC_EBCDIC,
  ENC_EBCDIC_HEX,
  ENC_HEX,
  PFX_ASCII,
  PFX_BCD,
  PFX_BINARY,
  PFX_EBCDIC,
  wireSize,
} from './plan.js';
import { codecError } from '../errors.js';
import { truncated } from './truncated.js';
import { allowed, allowedBytes, isAmount, isAmountBytes } from './charset.js';
import { EBCDIC_TO_LATIN1, readEbcdic } from '../encoding/ebcdic.js';
import { readBcd } from '../encoding/bcd.js';
import { readBinary } from '../encoding/binary.js';
import { readHexChars } from '../encoding/hex.js';
import { ASCII_ZERO, EBCDIC_ZERO, readDecimalPrefix } from '../prefix/decimal-chars.js';
import { readBcdPrefix } from '../prefix/bcd.js';
import { readBinaryPrefix } from '../prefix/binary.js';

/** Where the last read ended, the extent of its value, and the end of the whole input (for truncation errors). */
export const cursor = { pos: 0, units: 0, wire: 0, end: 0 };

function readPrefix(buf: Uint8Array, offset: number, plan: FieldPlan): number {
  switch (plan.pfx) {
    case PFX_ASCII:
      return readDecimalPrefix(buf, offset, plan.pfxDigits, ASCII_ZERO);
    case PFX_EBCDIC:
      return readDecimalPrefix(buf, offset, plan.pfxDigits, EBCDIC_ZERO);
    case PFX_BCD:
      return readBcdPrefix(buf, offset, plan.pfxDigits);
    case PFX_BINARY:
      return readBinaryPrefix(buf, offset, plan.pfxDigits);
    default:
      return -1;
  }
}

/** Units of a value that takes `bytes` bytes (a BCD value counted in bytes drops an F pad nibble). */
function unitsOfBytes(buf: Uint8Array, start: number, plan: FieldPlan, bytes: number): number {
  switch (plan.enc) {
    case ENC_BCD: {
      if (plan.bcdAmount) return bytes === 0 ? 0 : 2 * bytes - 1;
      if (bytes === 0 || plan.padNibble !== 15) return 2 * bytes;
      const edge = plan.leftJustified ? buf[start + bytes - 1]! & 0x0f : buf[start]! >> 4;
      return edge === 15 ? 2 * bytes - 1 : 2 * bytes;
    }
    case ENC_HEX:
    case ENC_EBCDIC_HEX:
      return bytes >> 1;
    default:
      return bytes;
  }
}

/**
 * Reads the prefix (if any) of `plan` at `offset` and checks that the value fits before `limit`. Sets
 * `cursor.pos` to the start of the value, `cursor.units` and `cursor.wire` to its size.
 */
export function readExtent(buf: Uint8Array, offset: number, limit: number, plan: FieldPlan): void {
  if (plan.fixed) {
    if (offset + plan.fixedWire > limit) throw truncated(plan.id, offset, limit === cursor.end);
    cursor.pos = offset;
    cursor.units = plan.length;
    cursor.wire = plan.fixedWire;
    return;
  }
  const start = offset + plan.pfxSize;
  if (start > limit) throw truncated(plan.id, offset, limit === cursor.end);
  const declared = readPrefix(buf, offset, plan);
  if (declared < 0) {
    throw codecError('ISO8583_ERR_LENGTH_PREFIX', 'the length prefix is not a number', { field: plan.id, offset });
  }
  let units: number;
  let wire: number;
  const hexChars = plan.enc === ENC_HEX || plan.enc === ENC_EBCDIC_HEX;
  if (plan.counts === COUNT_BYTES || (plan.counts === COUNT_NIBBLES && plan.enc !== ENC_BCD)) {
    wire = declared;
    if (plan.counts === COUNT_NIBBLES) {
      if ((declared & 1) !== 0) {
        throw codecError('ISO8583_ERR_LENGTH_PREFIX', 'an odd number of nibbles for a byte-aligned value', {
          field: plan.id,
          offset,
        });
      }
      wire = declared >> 1;
    }
    if (hexChars && (wire & 1) !== 0) {
      throw codecError('ISO8583_ERR_LENGTH_PREFIX', 'an odd number of hex characters', { field: plan.id, offset });
    }
    if (start + wire > limit) throw truncated(plan.id, offset, limit === cursor.end);
    units = unitsOfBytes(buf, start, plan, wire);
  } else {
    units = declared;
    wire = wireSize(plan, units);
  }
  if (units > plan.length) {
    throw codecError('ISO8583_ERR_LENGTH_OVER_MAX', `declared length ${units} over the maximum ${plan.length}`, {
      field: plan.id,
      offset,
    });
  }
  if (start + wire > limit) throw truncated(plan.id, offset, limit === cursor.end);
  cursor.pos = start;
  cursor.units = units;
  cursor.wire = wire;
}

function typeError(plan: FieldPlan, offset: number): Error {
  return codecError('ISO8583_ERR_FIELD_TYPE', `characters that type ${plan.type} does not allow`, {
    field: plan.id,
    offset,
  });
}

function encodingError(plan: FieldPlan, offset: number, what: string): Error {
  return codecError('ISO8583_ERR_ENCODING', what, { field: plan.id, offset });
}

/**
 * Reads a plain field at `offset` (not beyond `limit`); `cursor.pos` is left after it. `text` is `buf` read as
 * Latin-1 (from byte 0 to at least `limit`): ASCII values are cut from it without another trip to native code.
 */
export function readField(buf: Buffer, text: string, offset: number, limit: number, plan: FieldPlan, lenient: boolean): string {
  readExtent(buf, offset, limit, plan);
  const start = cursor.pos;
  const units = cursor.units;
  const wire = cursor.wire;
  let s: string | undefined;
  switch (plan.enc) {
    case ENC_ASCII:
      if (!lenient && (plan.amount ? !isAmountBytes(buf, start, units) : !allowedBytes(buf, start, units, plan.mask))) {
        throw typeError(plan, offset);
      }
      s = text.substring(start, start + units);
      break;
    case ENC_EBCDIC:
      s = readEbcdic(buf, start, units);
      if (!lenient && (plan.amount ? !isAmount(s) : !allowed(s, plan.mask))) throw typeError(plan, offset);
      break;
    case ENC_BCD:
      if (plan.bcdAmount) {
        if (units === 0) {
          s = '';
          break;
        }
        let sign = buf[start]!;
        if (plan.signEbcdic) sign = EBCDIC_TO_LATIN1[sign]!;
        const digits = readBcd(buf, start + 1, units - 1, plan.leftJustified, false, lenient);
        if (digits === undefined) throw encodingError(plan, offset, 'a BCD nibble that is not a digit');
        s = String.fromCharCode(sign) + digits;
        if (!lenient && !isAmount(s)) throw typeError(plan, offset);
        break;
      }
      s = readBcd(buf, start, units, plan.leftJustified, plan.track, lenient);
      if (s === undefined) throw encodingError(plan, offset, 'a BCD nibble that is not a digit');
      break;
    case ENC_BINARY:
      s = readBinary(buf, start, units);
      break;
    default:
      s = readHexChars(buf, start, wire, plan.enc !== ENC_HEX);
      if (s === undefined) throw encodingError(plan, offset, 'a character that is not a hex digit');
  }
  cursor.pos = start + wire;
  return s;
}

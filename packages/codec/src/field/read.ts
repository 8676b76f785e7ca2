/**
 * The reader of every plain field that is not ASCII text: EBCDIC characters, BCD digits and amounts, binary bytes,
 * ASCII or EBCDIC hex characters. Its extent (prefix, bounds) comes from {@link Reader.extent}, then the value is
 * decoded, with the strict type check unless lenient.
 */
import type { FieldPlan } from './plan.js';
import type { Reader } from './reader.js';
import { ENC_BCD, ENC_BINARY, ENC_EBCDIC, ENC_HEX } from './plan.js';
import { typeError } from './reader.js';
import { codecError } from '../errors.js';
import { allowed, isAmount, isUpperHexCode } from './charset.js';
import { EBCDIC_TO_LATIN1, readEbcdic } from '../encoding/ebcdic.js';
import { bcdPadNibble, readBcd } from '../encoding/bcd.js';
import { readBinary } from '../encoding/binary.js';
import { readHexChars } from '../encoding/hex.js';

/** Binary values longer than this (in bytes) are turned into hex natively. */
const LONG_BINARY = 16;

/** Node's internal hex slice (present on every Buffer; not in the type definitions). */
const hexSlice = (Buffer.prototype as unknown as { hexSlice?: (start: number, end: number) => string }).hexSlice;

/** True when the `count` bytes at `offset` are all ASCII `0`-`9` or `A`-`F`. */
function upperHex(buf: Uint8Array, offset: number, count: number): boolean {
  const end = offset + count;
  for (let i = offset; i < end; i++) {
    if (!isUpperHexCode(buf[i]!)) return false;
  }
  return true;
}

/**
 * Strict unpack refuses a pad nibble other than the dialect's (0 or F): pack writes that one, so a value read with
 * another would not pack back to the same bytes (a MAC over them would break). Lenient unpack takes any.
 */
function checkPad(plan: FieldPlan, buf: Uint8Array, start: number, digits: number, offset: number): void {
  const pad = bcdPadNibble(buf, start, digits, plan.leftJustified);
  if (pad !== -1 && pad !== plan.padNibble) {
    const want = plan.padNibble === 15 ? 'F' : '0';
    throw codecError('ISO8583_ERR_FIELD_TYPE', `a BCD pad nibble other than the dialect's ${want}`, { field: plan.id, offset });
  }
}

function encodingError(plan: FieldPlan, offset: number, what: string): Error {
  return codecError('ISO8583_ERR_ENCODING', what, { field: plan.id, offset });
}

/** Reads the plain field `plan` at `offset` (not beyond `limit`); leaves `r.pos` after it. */
export function readField(r: Reader, plan: FieldPlan, offset: number, limit: number, lenient: boolean): string {
  r.extent(plan, offset, limit);
  const buf = r.buf;
  const start = r.pos;
  const units = r.units;
  const wire = r.wire;
  let s: string | undefined;
  switch (plan.enc) {
    case ENC_EBCDIC:
      s = readEbcdic(buf, start, units, plan.codePage.toLatin1);
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
        if (!lenient) checkPad(plan, buf, start + 1, units - 1, offset);
        s = String.fromCharCode(sign) + digits;
        if (!lenient && !isAmount(s)) throw typeError(plan, offset);
        break;
      }
      s = readBcd(buf, start, units, plan.leftJustified, plan.track, lenient);
      if (s === undefined) throw encodingError(plan, offset, 'a BCD nibble that is not a digit');
      if (!lenient) checkPad(plan, buf, start, units, offset);
      break;
    case ENC_BINARY:
      // A long value (EMV data) in one native call; a short one without the trip to native code.
      s = units > LONG_BINARY && hexSlice !== undefined ? hexSlice.call(buf, start, start + units).toUpperCase() : readBinary(buf, start, units);
      break;
    default:
      // ASCII hex characters already in upper case are cut from the text as they are.
      if (plan.enc === ENC_HEX && upperHex(buf, start, wire)) {
        s = r.text.substring(start, start + wire);
        break;
      }
      s = readHexChars(buf, start, wire, plan.enc !== ENC_HEX);
      if (s === undefined) throw encodingError(plan, offset, 'a character that is not a hex digit');
  }
  r.pos = start + wire;
  return s;
}

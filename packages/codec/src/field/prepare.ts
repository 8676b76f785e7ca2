/**
 * Turning a caller's value into the exact value that goes on the wire: numbers to digits, padding of fixed-length
 * values, and the checks of length, type and prefix capacity. A problem is noted in the {@link Problem} of the
 * writer in use (code and words, never the value), so that the fast path allocates nothing when all is well.
 */
import type { CodecErrorCode } from '../errors.js';
import type { FieldPlan } from './plan.js';
import { COUNT_BYTES, ENC_ASCII, ENC_BCD, ENC_EBCDIC, prefixValue } from './plan.js';
import { BCD_CHARACTERS, DIGITS, allowed, isAmount, isDigitCode, isLatin1, isNibbles } from './charset.js';
import { HEX_VALUE, isHex } from '../encoding/hex-digits.js';

/** Why a value cannot be sent: a stable code and words, never the value. */
export interface Problem {
  /** The code of the problem. */
  code: CodecErrorCode;
  /** What is wrong, in words. */
  reason: string;
}

/** Notes `code` and `reason` in `p`; returns `undefined` (what the prepare functions return on a problem). */
export function noteProblem(p: Problem, code: CodecErrorCode, reason: string): undefined {
  p.code = code;
  p.reason = reason;
  return undefined;
}

/**
 * Digits of a number or bigint given for a numeric field, or `undefined` (problem noted) when it is not a whole number
 * >= 0; a number only up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`): 2^53 is refused, as 2^53 + 1 reads as it.
 */
export function numberDigits(v: number | bigint, p: Problem): string | undefined {
  if (typeof v === 'bigint') return v >= 0n ? v.toString() : noteProblem(p, 'ISO8583_ERR_FIELD_VALUE', 'a negative number');
  if (!Number.isSafeInteger(v) || v < 0) {
    return noteProblem(p, 'ISO8583_ERR_FIELD_VALUE', 'a number that is not a whole number from 0 to 2^53 - 1');
  }
  return String(v);
}

function pad(plan: FieldPlan, s: string, units: number): string {
  // A value shown as hex pads whole bytes: two characters for each missing one.
  const fill = plan.padChar.repeat((plan.length - units) * (plan.hexForm ? 2 : 1));
  if (!plan.padLeft) return s + fill;
  // The digits of a signed amount are padded after the sign: C100 -> C00000100. (Never a hex-form value: the dialect
  // check refuses an amount in binary, hex or ebcdic-hex, where its sign would be a hex digit.)
  if (plan.amount && s.length > 0) {
    const c = s.charCodeAt(0);
    if (c === 0x43 || c === 0x44) return s[0] + fill + s.slice(1);
  }
  return fill + s;
}

/** Why a BCD value counted in bytes with an odd number of digits is refused (`FieldPlan.evenDigits`). */
const ODD_DIGITS = 'an odd number of digits: its length prefix counts bytes, and the pad nibble would come back as a digit';

/** Why a BCD value counted in bytes, with an F pad, whose pad-side nibble is a real F is refused (`FieldPlan.padSideF`, {@link fOnPadSide}). */
const EDGE_F = 'an F nibble on the pad side: its length prefix counts bytes, and unpack would drop it as the F pad';

/**
 * Whether an even number of BCD `digits` (lenient: nibbles A-F allowed) ends with an F on the side the pad nibble of
 * an odd count goes (the last digit when left-justified, else the first). Unpack of a value counted in bytes takes an
 * F there for the pad (`unitsOfBytes` of reader.ts): `12AF` would come back `12A`, `FF` as `F`.
 */
function fOnPadSide(digits: string, leftJustified: boolean): boolean {
  const n = digits.length;
  if (n === 0 || (n & 1) !== 0) return false;
  return (digits.charCodeAt(leftJustified ? n - 1 : 0) | 0x20) === 0x66;
}

/**
 * Why a value shown as hex that {@link isHex} refuses is refused: a character that is no hex digit (its position,
 * counting from 1, never the character: the value may be card data), else an odd number of digits (half a byte).
 */
function notHex(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || HEX_VALUE[c] === 255) return `a character that is not a hex digit (character ${i + 1})`;
  }
  return 'an odd number of hex digits (two make a byte)';
}

/**
 * The wire value of a plain (non-composite) field: `s` padded and checked. Returns `undefined` and notes
 * the problem in `p` when the value cannot be sent.
 */
export function prepareText(plan: FieldPlan, s: string, lenient: boolean, p: Problem): string | undefined {
  let units = s.length;
  if (plan.hexForm) {
    if (!isHex(s)) return noteProblem(p, 'ISO8583_ERR_FIELD_TYPE', notHex(s));
    units >>= 1;
  }
  if (plan.fixed) {
    if (units < plan.length) {
      if (plan.padChar === '') return noteProblem(p, 'ISO8583_ERR_FIELD_TOO_SHORT', `shorter than its fixed length ${plan.length}`);
      s = pad(plan, s, units);
      units = plan.length;
    } else if (units > plan.length) {
      return noteProblem(p, 'ISO8583_ERR_FIELD_TOO_LONG', `longer than its fixed length ${plan.length}`);
    }
  } else if (units > plan.length) {
    return noteProblem(p, 'ISO8583_ERR_FIELD_TOO_LONG', `longer than its maximum length ${plan.length}`);
  }
  if (!plan.hexForm) {
    if (!lenient) {
      if (plan.amount ? !isAmount(s) : !allowed(s, plan.mask)) {
        return noteProblem(p, 'ISO8583_ERR_FIELD_TYPE', `characters that type ${plan.type} does not allow`);
      }
    }
    const enc = plan.enc;
    if (enc === ENC_BCD) {
      const digits = plan.bcdAmount ? s.slice(1) : s;
      if (lenient) {
        if (!isNibbles(digits) || (!plan.track && digits.includes('='))) {
          return noteProblem(p, 'ISO8583_ERR_FIELD_TYPE', 'characters that BCD cannot carry');
        }
      } else if ((plan.mask & ~BCD_CHARACTERS) !== 0 && !allowed(digits, DIGITS)) {
        // Strict unpack reads digits only (and the separator of track data): nibbles A-F of a b or text value would be
        // refused there. A type of digits and separators only (n, z, xn: an amount's digits) passed its type check.
        return noteProblem(p, 'ISO8583_ERR_FIELD_TYPE', 'characters other than digits (BCD nibbles A-F travel only when lenient)');
      }
      if (plan.evenDigits && (digits.length & 1) !== 0) {
        return noteProblem(p, 'ISO8583_ERR_FIELD_VALUE', ODD_DIGITS);
      }
      if (plan.padSideF && fOnPadSide(digits, plan.leftJustified)) {
        return noteProblem(p, 'ISO8583_ERR_FIELD_VALUE', EDGE_F);
      }
      if (plan.bcdAmount && (digits.length & 1) !== 0 && !plan.fixed && plan.counts === COUNT_BYTES && isDigitCode(s.charCodeAt(0)) && units < plan.length) {
        // An unsigned amount: its first digit travels as the sign character, so the pad nibble of the odd number of
        // digits after it would come back inside the amount (1234 -> 10234). A leading 0 puts it first: 01234. At the
        // maximum it travels as it is: its bytes then hold one digit over the maximum, and unpack reads that leading
        // 0 nibble as the pad (reader.ts).
        s = `0${s}`;
        units++;
      }
      if (plan.bcdAmount && s.length > 0 && s.charCodeAt(0) > 0xff) {
        return noteProblem(p, 'ISO8583_ERR_FIELD_TYPE', 'a sign character that cannot travel');
      }
    } else if ((enc === ENC_ASCII || enc === ENC_EBCDIC) && lenient && !isLatin1(s)) {
      return noteProblem(p, 'ISO8583_ERR_FIELD_TYPE', 'characters above U+00FF');
    }
  }
  if (!plan.fixed && prefixValue(plan, units) > plan.pfxMax) {
    return noteProblem(p, 'ISO8583_ERR_FIELD_TOO_LONG', `too long for its ${plan.pfxDigits}-digit length prefix`);
  }
  return s;
}

/**
 * The wire value of a plain field from any input value: strings as they are, numbers as their decimal digits (then
 * padded as the field's type pads: zeros on the left for `n`, spaces on the right for text). Returns `undefined` and notes the problem in `p` when the value cannot be sent.
 */
export function prepareValue(plan: FieldPlan, v: unknown, lenient: boolean, p: Problem): string | undefined {
  if (typeof v === 'string') return prepareText(plan, v, lenient, p);
  if (typeof v === 'number' || typeof v === 'bigint') {
    const digits = numberDigits(v, p);
    return digits === undefined ? undefined : prepareText(plan, digits, lenient, p);
  }
  if (typeof v === 'object') return noteProblem(p, 'ISO8583_ERR_FIELD_VALUE', 'an object for a field without sub-fields');
  return noteProblem(p, 'ISO8583_ERR_FIELD_VALUE', `a value of type ${typeof v}`);
}

/**
 * The semantic rules of a dialect, beyond its JSON shape: prefix sizes (1-6 digits, 1-4 binary bytes), BCD-only
 * properties, field numbers in range, composite layouts. Checked at `createCodec` for every dialect, however it
 * was made, so that the pack and unpack loops can trust it.
 */
import type { BitmapSpec, CompositeSpec, Dialect, FieldSpec } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { Iso8583Error, problemsText } from '../errors.js';
import { compileField, contentPadOf, prefixValue } from '../field/plan.js';
import { reversalProblems } from './reversal-check.js';
import { deepCompositeProblems } from './composite-depth.js';
import { OWN_ANSWER_CODES, acceptedActionCode, speaksResponseCodes1987 } from '../action-code.js';
import { isDigitCode } from '../field/charset.js';
import { HEX_VALUE } from '../encoding/hex-digits.js';
import { isAcceptedFor, isApprovalClass } from '../approval.js';

const TYPES = new Set(['n', 'a', 'an', 'ans', 'as', 'ns', 'anp', 'b', 'z', 'xn']);
const ENCODINGS = new Set(['ascii', 'ebcdic', 'ebcdic-1047', 'ebcdic-037', 'bcd', 'binary', 'hex', 'ebcdic-hex']);
/** Encodings whose values the message shows as hex: a fixed value is padded by whole bytes (two pad characters each). */
const HEX_FORM = new Set(['binary', 'hex', 'ebcdic-hex']);
/**
 * Value encodings a composite field cannot have: its contents (the sub-fields' bytes) travel as they are or as hex
 * characters, never converted to EBCDIC or packed as BCD (jPOS converts them; the codec sent them raw).
 */
export const COMPOSITE_UNCARRIED: ReadonlySet<string> = new Set(['ebcdic', 'ebcdic-1047', 'ebcdic-037', 'bcd']);
const PREFIX_ENCODINGS = new Set(['ascii', 'ebcdic', 'bcd', 'binary']);
const COUNTS = new Set(['units', 'bytes', 'nibbles']);
const BITMAP_ENCODINGS = new Set(['binary', 'hex', 'ebcdic']);
const MTI_ENCODINGS = new Set(['ascii', 'ebcdic', 'bcd']);
const SENSITIVITIES = new Set(['pan', 'track', 'pin', 'cvv', 'emv', 'secret']);

/** Makes `ISO8583_ERR_DIALECT_INVALID` naming every offending path. */
export function dialectInvalid(problems: FieldProblem[], what = 'dialect'): Iso8583Error {
  const list = problemsText(problems);
  return new Iso8583Error('ISO8583_ERR_DIALECT_INVALID', `invalid ${what}: ${list}`, { problems });
}

function isInt(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function add(problems: FieldProblem[], path: string, reason: string): void {
  problems.push({ field: path, code: 'ISO8583_ERR_DIALECT_INVALID', reason });
}

function checkBitmap(bitmap: BitmapSpec | undefined, path: string, composite: boolean, problems: FieldProblem[]): void {
  if (bitmap === null || typeof bitmap !== 'object') {
    add(problems, path, 'must be an object with an encoding');
    return;
  }
  if (!BITMAP_ENCODINGS.has(bitmap.encoding)) add(problems, `${path}.encoding`, 'must be binary, hex or ebcdic');
  if (bitmap.length !== undefined) {
    if (!composite) add(problems, `${path}.length`, 'is for the sub-field bitmap of a composite field only');
    else if (!isInt(bitmap.length, 1, 8)) add(problems, `${path}.length`, 'must be a whole number of bytes from 1 to 8');
  }
  if (bitmap.tertiary !== undefined && typeof bitmap.tertiary !== 'boolean') add(problems, `${path}.tertiary`, 'must be true or false');
  if (bitmap.tertiaryField65 !== undefined) {
    if (typeof bitmap.tertiaryField65 !== 'boolean') add(problems, `${path}.tertiaryField65`, 'must be true or false');
    else if (bitmap.tertiaryField65 && !composite) {
      // The message loops skip field 65 whenever a tertiary bitmap travels: only a sub-field bitmap may say otherwise.
      add(problems, `${path}.tertiaryField65`, 'is for a sub-field bitmap only: the message bitmap\'s bit 65 marks no field 65');
    } else if (bitmap.tertiaryField65 && bitmap.tertiary !== true) add(problems, `${path}.tertiaryField65`, 'is for a tertiary bitmap only');
  }
  if (bitmap.firstField !== undefined) {
    const least = composite && bitmap.length !== undefined ? 1 : 2;
    const most = bitmap.length !== undefined ? 8 * bitmap.length : bitmap.tertiary === true ? 192 : 128;
    if (!isInt(bitmap.firstField, least, most)) add(problems, `${path}.firstField`, `must be a whole number from ${least} to ${most}`);
  }
}

/**
 * Why field (or sub-field) `num` cannot be a data element of a layout whose presence `bitmap` tells, or `undefined`
 * when it can. Bit N marks field N from bit 1, so field 0 has no bit; under the message rules (no `bitmap.length`)
 * bit 1 announces the secondary bitmap and, with `tertiary`, bit 65 the tertiary one: those bits mark no data (bit
 * 65 does with `tertiaryField65`). Bits below the bitmap's `firstField` mark nothing that is read.
 * The one home of this rule: the dialect check applies it, and through it the jPOS packager import.
 */
function bitmapReserved(num: number, bitmap: BitmapSpec | undefined): string | undefined {
  if (bitmap === undefined || bitmap === null || typeof bitmap !== 'object') return undefined;
  if (num === 0) return 'cannot be a data element: no bit of a bitmap marks number 0';
  if (typeof bitmap.firstField === 'number' && num < bitmap.firstField) {
    return `cannot be a data element: it is below the bitmap's firstField (${bitmap.firstField})`;
  }
  if (bitmap.length !== undefined) return undefined;
  if (num === 1) return 'cannot be a data element: bit 1 announces the secondary bitmap';
  if (num === 65 && bitmap.tertiary === true && bitmap.tertiaryField65 !== true) {
    return 'cannot be a data element: bit 65 announces the tertiary bitmap';
  }
  return undefined;
}

/**
 * The largest number the length prefix of a valid variable field can carry (99 for two digits, 255 for one binary
 * byte) against what its maximum `length` needs, counted as the prefix counts (units, bytes or nibbles).
 */
function prefixCapacityProblem(spec: FieldSpec, path: string, problems: FieldProblem[]): void {
  const plan = compileField(path, 0, spec, spec.subfields === undefined ? undefined : spec.subfields);
  const needed = prefixValue(plan, spec.length);
  if (needed <= plan.pfxMax) return;
  const prefix = spec.prefix!;
  const size = prefix.encoding === 'binary' ? `${prefix.digits}-byte binary` : `${prefix.digits}-digit`;
  const counted = prefix.counts === undefined || prefix.counts === 'units' ? '' : ` (${needed} ${prefix.counts})`;
  add(problems, `${path}.length`, `maximum ${spec.length}${counted} is more than its ${size} length prefix carries (${plan.pfxMax})`);
}

/**
 * Why the pad character `c` (a Latin-1 code) cannot pad a plain value of `encoding`, or `undefined` when it can. Pack
 * pads a short fixed value with it before the value is encoded: a hex-form value (binary, hex, ebcdic-hex) by two pad
 * characters a byte, which must be hex digits (a space made FF bytes, or hex characters the field's own unpack
 * refuses); a BCD value by one a digit, which must be a digit (its strict unpack reads nothing else). Checked once here,
 * so that pack pads with no check of its own.
 */
function padCharProblem(encoding: string, c: number): string | undefined {
  if (HEX_FORM.has(encoding) && HEX_VALUE[c] === 255) return `must be a hex digit (0-9, A-F): a ${encoding} value is padded by whole bytes`;
  if (encoding === 'bcd' && !isDigitCode(c)) return 'must be a digit (0-9): a bcd value carries digits only';
  return undefined;
}

/** Problems of one field specification at `path` (e.g. `fields.35`). */
export function fieldProblems(spec: FieldSpec, path: string, problems: FieldProblem[]): void {
  if (spec === null || typeof spec !== 'object') {
    add(problems, path, 'must be an object');
    return;
  }
  const start = problems.length;
  if (typeof spec.name !== 'string') add(problems, `${path}.name`, 'must be a string');
  if (!TYPES.has(spec.type)) add(problems, `${path}.type`, 'must be one of n, a, an, ans, as, ns, anp, b, z, xn');
  if (!isInt(spec.length, 0, 999999)) add(problems, `${path}.length`, 'must be a whole number from 0 to 999999');
  if (!ENCODINGS.has(spec.encoding)) add(problems, `${path}.encoding`, 'must be ascii, ebcdic, ebcdic-1047, ebcdic-037, bcd, binary, hex or ebcdic-hex');
  const prefix = spec.prefix;
  if (prefix !== undefined) {
    if (prefix === null || typeof prefix !== 'object') {
      add(problems, `${path}.prefix`, 'must be an object');
    } else {
      if (!PREFIX_ENCODINGS.has(prefix.encoding)) add(problems, `${path}.prefix.encoding`, 'must be ascii, ebcdic, bcd or binary');
      if (prefix.encoding === 'binary') {
        if (!isInt(prefix.digits, 1, 4)) add(problems, `${path}.prefix.digits`, 'a binary prefix takes 1 to 4 bytes');
      } else if (!isInt(prefix.digits, 1, 6)) {
        add(problems, `${path}.prefix.digits`, 'a prefix takes 1 to 6 digits');
      }
      if (prefix.counts !== undefined && !COUNTS.has(prefix.counts)) add(problems, `${path}.prefix.counts`, 'must be units, bytes or nibbles');
    }
  }
  if (spec.pad !== undefined) {
    if (spec.pad === null || typeof spec.pad !== 'object') add(problems, `${path}.pad`, 'must be an object');
    else {
      if (spec.pad.side !== 'left' && spec.pad.side !== 'right') add(problems, `${path}.pad.side`, 'must be left or right');
      if (typeof spec.pad.char !== 'string' || spec.pad.char.length !== 1 || spec.pad.char.charCodeAt(0) > 0xff) {
        add(problems, `${path}.pad.char`, 'must be one Latin-1 character');
      } else if (spec.subfields === undefined) {
        const wrong = padCharProblem(spec.encoding, spec.pad.char.charCodeAt(0));
        if (wrong !== undefined) add(problems, `${path}.pad.char`, wrong);
      }
    }
  }
  if (spec.type === 'xn' && HEX_FORM.has(spec.encoding) && spec.subfields === undefined) {
    // An amount's sign C or D is a hex digit there: "C1" would be the byte C1 to the peer, an amount to the sign rule
    // of the padding (C0 00 00 01). jPOS sends amounts as characters (IFA_, IFE_AMOUNT) or a sign and BCD (IFB_AMOUNT).
    add(problems, `${path}.encoding`, `${spec.encoding} cannot carry an amount's sign (xn travels as ascii, ebcdic or bcd; bytes are type b)`);
  }
  if (spec.encoding === 'bcd' && (spec.type === 'a' || spec.type === 'as')) {
    // Pack could send no value but "" (a letter is no BCD nibble), while unpack reads the digits of any bytes.
    add(problems, `${path}.type`, `type ${spec.type} has no digits, the only characters bcd carries`);
  }
  if (spec.justify !== undefined) {
    if (spec.justify !== 'left' && spec.justify !== 'right') add(problems, `${path}.justify`, 'must be left or right');
    else if (spec.encoding !== 'bcd') add(problems, `${path}.justify`, 'is for bcd values only');
  }
  if (spec.padNibble !== undefined) {
    if (spec.padNibble !== '0' && spec.padNibble !== 'F') add(problems, `${path}.padNibble`, 'must be "0" or "F"');
    else if (spec.encoding !== 'bcd') add(problems, `${path}.padNibble`, 'is for bcd values only');
  }
  if (spec.signEncoding !== undefined) {
    if (spec.signEncoding !== 'ascii' && spec.signEncoding !== 'ebcdic') add(problems, `${path}.signEncoding`, 'must be ascii or ebcdic');
    else if (spec.type !== 'xn' || spec.encoding !== 'bcd') add(problems, `${path}.signEncoding`, 'is for xn amounts in bcd only');
  }
  if (spec.sensitive !== undefined && !SENSITIVITIES.has(spec.sensitive)) {
    add(problems, `${path}.sensitive`, 'must be pan, track, pin, cvv, emv or secret');
  }
  // Last: the capacity of the prefix is computed as pack computes it, from a field that is otherwise valid.
  if (prefix !== undefined && problems.length === start) prefixCapacityProblem(spec, path, problems);
  if (spec.subfields !== undefined) {
    if (COMPOSITE_UNCARRIED.has(spec.encoding)) {
      add(problems, `${path}.encoding`, `${String(spec.encoding)} is not applied to a composite's contents, which travel as their bytes (ascii, binary) or as hex characters (hex, ebcdic-hex)`);
    }
    compositeProblems(spec.subfields, `${path}.subfields`, problems);
    if (problems.length === start) omitInPadProblem(spec, path, problems);
  }
}

/**
 * A fixed text box (`contentPadOf`) padded with another byte than a space, with `omitTrailingAbsent`: its unpack ends
 * the sub-fields where only the pad is left, so a trailing sub-field made of the pad (an amount of 0 in a box padded
 * with `0`) would read back as absent. A space pad loses only a blank text sub-field, which means no value anyway.
 */
function omitInPadProblem(spec: FieldSpec, path: string, problems: FieldProblem[]): void {
  if (spec.prefix !== undefined || spec.subfields?.omitTrailingAbsent !== true) return;
  const pad = contentPadOf(spec);
  if (pad < 0 || pad === 0x20) return;
  const shown = JSON.stringify(String.fromCharCode(pad));
  add(problems, `${path}.subfields.omitTrailingAbsent`, `not in a fixed box padded with ${shown} (pad.char): a trailing sub-field made of ${shown} (an amount of 0) would read back as absent; pad with spaces, or send every sub-field`);
}

function compositeProblems(spec: CompositeSpec, path: string, problems: FieldProblem[]): void {
  if (spec === null || typeof spec !== 'object') {
    add(problems, path, 'must be an object');
    return;
  }
  if (spec.bitmap !== undefined) checkBitmap(spec.bitmap, `${path}.bitmap`, true, problems);
  if (spec.headerLength !== undefined && !isInt(spec.headerLength, 0, 65535)) {
    add(problems, `${path}.headerLength`, 'must be a whole number of bytes from 0 to 65535');
  }
  if (spec.omitTrailingAbsent !== undefined) {
    if (typeof spec.omitTrailingAbsent !== 'boolean') add(problems, `${path}.omitTrailingAbsent`, 'must be true or false');
    else if (spec.omitTrailingAbsent && spec.bitmap !== undefined) {
      add(problems, `${path}.omitTrailingAbsent`, 'is for a positional layout (no bitmap) only');
    }
  }
  if (spec.fields === null || typeof spec.fields !== 'object') {
    add(problems, `${path}.fields`, 'must be an object keyed by sub-field number');
    return;
  }
  const max = spec.bitmap === undefined ? 999 : spec.bitmap.length !== undefined ? 8 * spec.bitmap.length : spec.bitmap.tertiary ? 192 : 128;
  for (const key of Object.keys(spec.fields)) {
    const num = Number(key);
    if (!/^(0|[1-9][0-9]*)$/.test(key) || num > max) {
      add(problems, `${path}.fields.${key}`, `not a sub-field number from 0 to ${max}`);
      continue;
    }
    const reserved = bitmapReserved(num, spec.bitmap);
    if (reserved !== undefined) {
      add(problems, `${path}.fields.${key}`, `sub-field ${key} ${reserved}`);
      continue;
    }
    fieldProblems(spec.fields[key]!, `${path}.fields.${key}`, problems);
  }
}

/** Every semantic problem of a dialect (empty when it is valid). */
export function dialectProblems(dialect: Dialect): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (dialect === null || typeof dialect !== 'object') {
    add(problems, 'dialect', 'must be an object');
    return problems;
  }
  if (typeof dialect.name !== 'string' || dialect.name === '') add(problems, 'name', 'must be a non-empty string');
  if (dialect.mti === null || typeof dialect.mti !== 'object' || !MTI_ENCODINGS.has(dialect.mti.encoding)) {
    add(problems, 'mti.encoding', 'must be ascii, ebcdic or bcd');
  }
  checkBitmap(dialect.bitmap, 'bitmap', false, problems);
  if (dialect.headerLength !== undefined && !isInt(dialect.headerLength, 0, 65535)) {
    add(problems, 'headerLength', 'must be a whole number of bytes from 0 to 65535');
  }
  if (dialect.fields === null || typeof dialect.fields !== 'object') {
    add(problems, 'fields', 'must be an object keyed by field number');
    return problems;
  }
  const deep = deepCompositeProblems(dialect.fields);
  if (deep.length > 0) return [...problems, ...deep];
  const max = dialect.bitmap?.tertiary === true ? 192 : 128;
  // Fields whose own spec has a problem: no value is packed with them (`reversal.set`).
  const invalid = new Set<string>();
  for (const key of Object.keys(dialect.fields)) {
    const num = Number(key);
    if (!/^[1-9][0-9]*$/.test(key) || num < 2 || num > max) {
      add(problems, `fields.${key}`, `not a field number from 2 to ${max}`);
      invalid.add(key);
      continue;
    }
    const reserved = bitmapReserved(num, dialect.bitmap);
    if (reserved !== undefined) {
      add(problems, `fields.${key}`, `field ${key} ${reserved}`);
      invalid.add(key);
      continue;
    }
    const before = problems.length;
    fieldProblems(dialect.fields[key]!, `fields.${key}`, problems);
    if (problems.length > before) invalid.add(key);
  }
  approvalProblems(dialect, problems);
  reversalProblems(dialect, problems, max, (field) => !invalid.has(field));
  return problems;
}

/** A response code's problem (`undefined`: none): 1-4 letters or digits, as wide as a fixed field 39 (`width`). */
function codeProblem(code: unknown, width: number | undefined): string | undefined {
  if (typeof code !== 'string' || !/^[0-9A-Za-z]{1,4}$/.test(code)) return 'must be 1-4 letters or digits';
  if (width !== undefined && code.length !== width) return `must be ${width} characters wide, as field 39 is`;
  return undefined;
}

/** MTIs of the classes whose acceptance a gateway's own failure answer must never say: authorisation, reversal, network. */
const ACCEPTED_CLASSES = ['1100', '1420', '1800'] as const;

/**
 * `approvalCodes`: a non-empty list of codes; `approvalClass`, `systemErrorCodes`: a list of codes, empty allowed (only
 * the approval codes moved money; no system errors). Each code as wide as a fixed field 39 (a 2-digit code never matches n3).
 * `answerCodes`: an object whose keys are among the 1987 codes the toolkit answers with itself (30, 68, 91, 94, 96) and
 * whose values are codes as above that no reader takes for an approval (the approval codes and class) or an acceptance
 * (`000`, `400`, `800` of 1993): the gateway's `68` answers what it reverses, an approval there would tell the client
 * the opposite. Not checked where field 39 has 2 characters: the 1987 codes are written there, never these.
 */
function approvalProblems(dialect: Dialect, problems: FieldProblem[]): void {
  const f39 = dialect.fields['39'];
  const width = f39 !== undefined && f39.prefix === undefined ? f39.length : undefined;
  answerCodeProblems(dialect, width, problems);
  for (const key of ['approvalCodes', 'approvalClass', 'systemErrorCodes'] as const) {
    const codes: unknown = dialect[key];
    if (codes === undefined) continue;
    if (!Array.isArray(codes) || (key === 'approvalCodes' && codes.length === 0)) {
      add(problems, key, key === 'approvalCodes' ? 'must be a non-empty list of response codes' : 'must be a list of response codes');
      continue;
    }
    codes.forEach((code: unknown, i) => {
      const problem = codeProblem(code, width);
      if (problem !== undefined) add(problems, `${key}.${i}`, problem);
    });
  }
}

/** `answerCodes` (see {@link approvalProblems}): read by `responseCodeIn` as given, so checked here. */
function answerCodeProblems(dialect: Dialect, width: number | undefined, problems: FieldProblem[]): void {
  const own: unknown = dialect.answerCodes;
  if (own === undefined) return;
  if (own === null || typeof own !== 'object' || Array.isArray(own)) {
    add(problems, 'answerCodes', 'must be an object of response codes keyed by the 1987 code they stand for');
    return;
  }
  for (const [key, code] of Object.entries(own as Record<string, unknown>)) {
    if (!OWN_ANSWER_CODES.includes(key)) {
      add(problems, `answerCodes.${key}`, `not a code the toolkit answers with itself (${OWN_ANSWER_CODES.join(', ')})`);
      continue;
    }
    // A field 39 of 2 characters carries the 1987 code itself: the dialect's own codes are never written (an extension
    // of smartvista that narrowed field 39 keeps its 9xx codes unused).
    if (speaksResponseCodes1987(dialect)) continue;
    const problem = codeProblem(code, width);
    if (problem !== undefined) add(problems, `answerCodes.${key}`, problem);
    // A 4-character field 39 (jPOS CMF, the 2003 edition) approves with its whole 0xxx class (isApprovalClass; refused
    // here whatever approvalClass the dialect names: a terminal reads the standard: sr69z #1), and accepts a reversal or
    // network management message with 4000, 8000 (the 1993 400, 800 widened: sr69q #7).
    else if (isApprovalClass(dialect, code) || (typeof code === 'string' && code.length === 4 && code.charCodeAt(0) === 0x30) || ACCEPTED_CLASSES.some((mti) => isAcceptedFor(dialect, code, mti) || code === `${acceptedActionCode(mti[1] as string) ?? ''}0`)) {
      add(problems, `answerCodes.${key}`, `${String(code)} says approved or accepted: the toolkit's own ${key} answer must not`);
    }
  }
}

/**
 * A data element compiled for speed: the {@link FieldSpec} of a dialect turned once, at `createCodec`, into a flat
 * object of small integers (encoding, prefix, padding) that the pack and unpack loops switch on.
 */
import type { FieldSpec, FieldType } from '../types.js';
import { TYPE_MASK } from './charset.js';
import type { EbcdicCodePage } from '../encoding/ebcdic.js';
import { IBM_1047, ebcdicCodePage } from '../encoding/ebcdic.js';

/** Value encodings, as switched on by the field writers and readers. */
export const ENC_ASCII = 0;
/** EBCDIC characters (in the code page of {@link FieldPlan.codePage}). */
export const ENC_EBCDIC = 1;
/** Packed BCD. */
export const ENC_BCD = 2;
/** Raw bytes. */
export const ENC_BINARY = 3;
/** ASCII hex characters. */
export const ENC_HEX = 4;
/** EBCDIC hex characters. */
export const ENC_EBCDIC_HEX = 5;

/** Length prefix encodings. */
export const PFX_NONE = 0;
/** ASCII decimal digits. */
export const PFX_ASCII = 1;
/** EBCDIC decimal digits. */
export const PFX_EBCDIC = 2;
/** Packed BCD digits. */
export const PFX_BCD = 3;
/** A big-endian binary number. */
export const PFX_BINARY = 4;

/** What a length prefix counts. */
export const COUNT_UNITS = 0;
/** Bytes on the wire. */
export const COUNT_BYTES = 1;
/** Half-bytes. */
export const COUNT_NIBBLES = 2;

// Field kinds: which reader unpacks the field (decided once, when the dialect is compiled).
/** ASCII text or digits, fixed or with a length prefix (the `ascii-text.ts` reader). */
export const KIND_ASCII_TEXT = 0;
/** Any other plain value: EBCDIC, BCD, binary, hex characters (the `read.ts` reader). */
export const KIND_GENERAL = 1;
/** A composite field: its own layout of sub-fields (the `composite.ts` reader). */
export const KIND_COMPOSITE = 2;

// Field writers: how pack writes a plain value that fits as it is, checking it on the way (decided once, when the
// dialect is compiled; `fast-write.ts` switches on it for the interpreter and for the plans of `pack-shapes.ts`).
/** ASCII text or digits of a fixed length (`writeAsciiText` of `ascii-text.ts`). */
export const WRITE_ASCII_FIXED = 0;
/** BCD digits (not an amount). */
export const WRITE_BCD = 1;
/** Raw bytes given as hex. */
export const WRITE_BINARY = 2;
/** ASCII hex characters. */
export const WRITE_HEX = 3;
/** Anything else (amounts, EBCDIC, EBCDIC hex, composites): prepared by `prepareText`, then written by `writeField`. */
export const WRITE_GENERAL = 4;
/** ASCII text or digits with a length prefix (`writeAsciiText` of `ascii-text.ts`). */
export const WRITE_ASCII_VAR = 5;

/** One data element, compiled. Every plan has the same shape (one hidden class for the hot loops). */
export interface FieldPlan {
  /** The field path used in errors: `"35"`, or `"127.2"` for a sub-field. */
  readonly id: string;
  /** The number of the field within its layout. */
  readonly num: number;
  /** The key of the field in a message object: the number as a string. */
  readonly key: string;
  /** The specification it was compiled from. */
  readonly spec: FieldSpec;
  /** The data-element type. */
  readonly type: FieldType;
  /** The character classes the type allows (see `charset.ts`). */
  readonly mask: number;
  /** An `x+n` amount (sign, then digits). */
  readonly amount: boolean;
  /** Numbers are accepted on pack (types `n`, `xn`). */
  readonly numeric: boolean;
  /** One of the `ENC_*` constants. */
  readonly enc: number;
  /** The code page of EBCDIC text (`ENC_EBCDIC`); code page 1047 for every other field. */
  readonly codePage: EbcdicCodePage;
  /** The message shows the value as hex (binary encodings and composite fields). */
  readonly hexForm: boolean;
  /** Fixed length, or maximum with a prefix (units: characters, digits or bytes). */
  readonly length: number;
  /** True without a length prefix. */
  readonly fixed: boolean;
  /** Bytes on the wire of a fixed-length value. */
  readonly fixedWire: number;
  /** One of the `PFX_*` constants. */
  readonly pfx: number;
  /** Digits (or bytes, for binary) of the prefix. */
  readonly pfxDigits: number;
  /** Bytes taken by the prefix. */
  readonly pfxSize: number;
  /** The largest number the prefix can carry. */
  readonly pfxMax: number;
  /** One of the `COUNT_*` constants. */
  readonly counts: number;
  /**
   * The pad character of a short fixed-length value (`""`: a short value is an error): the field's `pad`, else `0`
   * on the left for `n` and `xn`, a space on the right for text not in BCD, none for `b`, `z` and text in BCD.
   */
  readonly padChar: string;
  /** Pad on the left (else on the right). */
  readonly padLeft: boolean;
  /** BCD: the value is left-justified (pad nibble on the right). */
  readonly leftJustified: boolean;
  /** BCD: the pad nibble, 0 or 15. */
  readonly padNibble: number;
  /**
   * BCD counted in bytes where the pad nibble of an odd number of digits would come back as a digit that changes the
   * value (a trailing 0, a pad of an amount, a leading 0 of track data): such a value must have an even digit count.
   */
  readonly evenDigits: boolean;
  /**
   * BCD counted in bytes with an F pad nibble (not fixed, not an amount): unpack takes an F on the pad side of an
   * even number of nibbles for the pad, so a value with a real F there is refused.
   */
  readonly padSideF: boolean;
  /** BCD track data: `=` travels as nibble D. */
  readonly track: boolean;
  /** BCD amount: the sign travels as one character, the digits as BCD. */
  readonly bcdAmount: boolean;
  /** The sign of a BCD amount travels in EBCDIC (else ASCII). */
  readonly signEbcdic: boolean;
  /** The compiled layout of a composite field's contents. */
  readonly composite: unknown;
  /**
   * A fixed-length composite of a text type in ASCII (jPOS `IF_CHAR`): the byte its contents are right-padded with when
   * the sub-fields make fewer bytes than the length, and that may follow the last sub-field on unpack (a space, or the
   * field's right `pad` character); -1 for every other field (the sub-fields must fill it exactly).
   */
  readonly contentPad: number;
  /** One of the `KIND_*` constants: the reader of this field. */
  readonly kind: number;
  /** The length prefix is ASCII digits counting characters (LLVAR, LLLVAR ... in ASCII). */
  readonly asciiDigits: boolean;
  /** One of the `WRITE_*` constants: the one-pass writer of this field's values. */
  readonly writer: number;
}

const ENCODINGS: Record<string, number> = {
  ascii: ENC_ASCII,
  ebcdic: ENC_EBCDIC,
  'ebcdic-1047': ENC_EBCDIC,
  'ebcdic-037': ENC_EBCDIC,
  bcd: ENC_BCD,
  binary: ENC_BINARY,
  hex: ENC_HEX,
  'ebcdic-hex': ENC_EBCDIC_HEX,
};

const PREFIXES: Record<string, number> = { ascii: PFX_ASCII, ebcdic: PFX_EBCDIC, bcd: PFX_BCD, binary: PFX_BINARY };

const COUNTS: Record<string, number> = { units: COUNT_UNITS, bytes: COUNT_BYTES, nibbles: COUNT_NIBBLES };

/**
 * Compiles one field. The spec is assumed valid (checked by `dialectProblems`); `composite` is the already compiled
 * layout of its sub-fields, if any.
 */
export function compileField(id: string, num: number, spec: FieldSpec, composite: unknown): FieldPlan {
  let enc = ENCODINGS[spec.encoding] ?? ENC_ASCII;
  // A composite's contents are bytes made by its sub-fields: they travel as they are, or as hex characters.
  if (composite !== undefined && enc !== ENC_HEX && enc !== ENC_EBCDIC_HEX) enc = ENC_BINARY;
  const hexForm = enc === ENC_BINARY || enc === ENC_HEX || enc === ENC_EBCDIC_HEX;
  const amount = spec.type === 'xn';
  const bcdAmount = amount && enc === ENC_BCD;
  const prefix = spec.prefix;
  const fixed = prefix === undefined;
  const pfx = prefix === undefined ? PFX_NONE : (PREFIXES[prefix.encoding] ?? PFX_ASCII);
  const pfxDigits = prefix === undefined ? 0 : prefix.digits;
  const pfxSize = pfx === PFX_BCD ? (pfxDigits + 1) >> 1 : pfxDigits;
  const pfxMax = pfx === PFX_NONE ? 0 : pfx === PFX_BINARY ? 256 ** pfxDigits - 1 : 10 ** pfxDigits - 1;
  const numeric = spec.type === 'n' || amount;
  const counts = COUNTS[spec.prefix?.counts ?? 'units'] ?? COUNT_UNITS;
  const leftJustified = spec.justify === 'left';
  const padNibble = spec.padNibble === 'F' ? 15 : 0;
  // Unpack takes every nibble of a BCD value counted in bytes as a digit, but the F pad of a number or track data.
  const padReadBack = enc === ENC_BCD && !fixed && counts === COUNT_BYTES && (bcdAmount || padNibble === 0);
  const evenDigits = padReadBack && (leftJustified || padNibble === 15 || spec.type === 'z');
  const padSideF = enc === ENC_BCD && padNibble === 15 && counts === COUNT_BYTES && !fixed && !bcdAmount;
  let padChar = '';
  let padLeft = false;
  if (composite !== undefined) {
    // A composite's contents are padded only as `contentPad` says (a fixed text box): padding the bytes as a number or
    // binary value would put zero bytes where jPOS sends '0' characters (which its own unpack reads as sub-fields) or
    // refuses to pack (a fixed binary class wants exactly its length).
  } else if (spec.pad !== undefined) {
    padChar = spec.pad.char;
    padLeft = spec.pad.side === 'left';
  } else if (numeric) {
    padChar = '0';
    padLeft = true;
  } else if (spec.type !== 'b' && spec.type !== 'z' && !hexForm && enc !== ENC_BCD) {
    // No space pads BCD (it carries digits only): a short text value in BCD with no `pad` is too short.
    padChar = ' ';
  }
  return {
    id,
    num,
    key: String(num),
    spec,
    type: spec.type,
    mask: TYPE_MASK[spec.type] ?? 0,
    amount,
    numeric,
    enc,
    codePage: (enc === ENC_EBCDIC ? ebcdicCodePage(spec.encoding) : undefined) ?? IBM_1047,
    hexForm,
    length: spec.length,
    fixed,
    fixedWire: wireSize({ enc, bcdAmount }, spec.length),
    pfx,
    pfxDigits,
    pfxSize,
    pfxMax,
    counts,
    padChar,
    padLeft,
    leftJustified,
    padNibble,
    evenDigits,
    padSideF,
    track: spec.type === 'z',
    bcdAmount,
    signEbcdic: spec.signEncoding === 'ebcdic',
    composite,
    contentPad: composite !== undefined && fixed ? contentPadOf(spec) : -1,
    kind: composite !== undefined ? KIND_COMPOSITE : enc === ENC_ASCII ? KIND_ASCII_TEXT : KIND_GENERAL,
    // Counting bytes or characters is the same for ASCII text; half-bytes go the general way (an odd count fails).
    asciiDigits: pfx === PFX_ASCII && spec.prefix?.counts !== 'nibbles',
    writer: writerOf(enc, fixed, amount || composite !== undefined),
  };
}

/** Text types: a fixed-length text value is right-padded with spaces. */
const TEXT_TYPES = new Set<FieldType>(['a', 'an', 'ans', 'as', 'ns', 'anp']);

/**
 * The pad byte of a fixed-length composite's contents (`FieldPlan.contentPad`; -1: none): jPOS `IF_CHAR` right-pads
 * what its sub-fields make with spaces (RightTPadder) and its unpack leaves what follows the last sub-field. Only ASCII
 * text: digits, binary and hex-character classes pad otherwise or not at all. `dialectProblems` refuses
 * `omitTrailingAbsent` in a box whose pad is not a space.
 */
export function contentPadOf(spec: FieldSpec): number {
  if (!TEXT_TYPES.has(spec.type) || spec.encoding !== 'ascii') return -1;
  if (spec.pad === undefined) return 0x20;
  return spec.pad.side === 'right' ? spec.pad.char.charCodeAt(0) : -1;
}

/** The one-pass writer of a field of encoding `enc`; `general` for amounts and composites. */
function writerOf(enc: number, fixed: boolean, general: boolean): number {
  if (general) return WRITE_GENERAL;
  switch (enc) {
    case ENC_ASCII:
      return fixed ? WRITE_ASCII_FIXED : WRITE_ASCII_VAR;
    case ENC_BCD:
      return WRITE_BCD;
    case ENC_BINARY:
      return WRITE_BINARY;
    case ENC_HEX:
      return WRITE_HEX;
    default:
      return WRITE_GENERAL;
  }
}

/** Bytes on the wire of a value of `units` units (characters, digits or bytes). */
export function wireSize(plan: { readonly enc: number; readonly bcdAmount: boolean }, units: number): number {
  switch (plan.enc) {
    case ENC_BCD:
      if (plan.bcdAmount) return units === 0 ? 0 : 1 + (units >> 1);
      return (units + 1) >> 1;
    case ENC_HEX:
    case ENC_EBCDIC_HEX:
      return units * 2;
    default:
      return units;
  }
}

/** The number a length prefix carries for a value of `units` units. */
export function prefixValue(plan: FieldPlan, units: number): number {
  switch (plan.counts) {
    case COUNT_BYTES:
      return wireSize(plan, units);
    case COUNT_NIBBLES:
      return plan.enc === ENC_BCD ? units : 2 * wireSize(plan, units);
    default:
      return units;
  }
}

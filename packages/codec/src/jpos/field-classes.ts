import type { BitmapSpec, FieldSpec, FieldType, LengthPrefix, PrefixEncoding, ValueEncoding } from '../types.js';

/**
 * The jPOS `ISOFieldPackager` classes that a GenericPackager XML file names, each described by the wire format it
 * produces in jPOS: how the value travels (ASCII, EBCDIC, packed BCD, raw bytes, hex characters) and how its length
 * prefix travels. The letters of a jPOS class name read as: `IFA_` ASCII, `IFB_` binary (packed BCD digits and BCD
 * length prefixes, raw bytes), `IFE_` EBCDIC, `IF_CHAR` fixed ASCII; `LL`..`LLLLLL` the digits of the length prefix.
 */

/**
 * The encoding of `IFE_` values: jPOS packs them with `ISOUtil.EBCDIC`, Java's `IBM1047` charset, which is what plain
 * `ebcdic` means (code page 1047). Only text depends on it: `IFE_` digits, signs, prefixes and bitmaps are the same
 * bytes in every EBCDIC code page.
 */
const IFE: ValueEncoding = 'ebcdic';

/** What a field class describes: a data element, or a bitmap. */
export type ClassShape =
  | { kind: 'field'; spec: Omit<FieldSpec, 'name'> }
  | { kind: 'bitmap'; encoding: BitmapSpec['encoding']; bytes?: number };

/** Builds a field's wire description from its `length` and `pad` attributes. */
type ClassBuilder = (length: number, pad: boolean) => ClassShape;

function prefix(encoding: PrefixEncoding, digits: number): LengthPrefix {
  return { encoding, digits };
}

function field(type: FieldType, encoding: ValueEncoding, length: number, lengthPrefix?: LengthPrefix): ClassShape {
  const spec: Omit<FieldSpec, 'name'> = { type, length, encoding };
  if (lengthPrefix !== undefined) spec.prefix = lengthPrefix;
  return { kind: 'field', spec };
}

/**
 * Packed BCD digits. jPOS `pad="true"` selects `BCDInterpreter.LEFT_PADDED` (the value is right-justified, a pad
 * nibble 0 in front of an odd number of digits); `pad="false"` (the default) selects `RIGHT_PADDED` (the value is
 * left-justified, the pad nibble 0 after it).
 */
function bcd(type: FieldType, length: number, pad: boolean, lengthPrefix?: LengthPrefix): ClassShape {
  const shape = field(type, 'bcd', length, lengthPrefix);
  if (shape.kind === 'field') shape.spec.justify = pad ? 'right' : 'left';
  return shape;
}

/**
 * The variable-length classes jPOS ships (`org.jpos.iso`), by prefix letters and kind: the importer knows these and no
 * other combination (`IFB_LNUM`, `IFA_LLLLNUM`, `IFE_LLLLLLCHAR` are no jPOS classes, so never guessed).
 */
const VARIABLE: Readonly<Record<'IFA' | 'IFB' | 'IFE', Readonly<Record<'CHAR' | 'NUM' | 'BINARY', readonly string[]>>>> = {
  IFA: { CHAR: ['L', 'LL', 'LLL', 'LLLL', 'LLLLL', 'LLLLLL'], NUM: ['LL', 'LLL'], BINARY: ['L', 'LL', 'LLL', 'LLLL', 'LLLLL', 'LLLLLL'] },
  IFB: { CHAR: ['LL', 'LLL', 'LLLL', 'LLLLLL'], NUM: ['LL', 'LLL'], BINARY: ['LL', 'LLL', 'LLLL'] },
  IFE: { CHAR: ['L', 'LL', 'LLL', 'LLLL'], NUM: ['L', 'LL', 'LLL'], BINARY: ['L', 'LL', 'LLL', 'LLLL'] },
};

function build(): Map<string, ClassBuilder> {
  const table = new Map<string, ClassBuilder>();

  // Fixed-length numerics: digits left-padded with zeros to the length (jPOS LeftPadder.ZERO_PADDER).
  table.set('IFA_NUMERIC', (n) => field('n', 'ascii', n));
  table.set('IFE_NUMERIC', (n) => field('n', IFE, n));
  table.set('IFB_NUMERIC', (n, pad) => bcd('n', n, pad));
  // jPOS CMF amounts (currency, exponent, amount as digits): IFA_AMOUNT2003 extends IFA_NUMERIC and IFB_AMOUNT2003
  // extends IFB_NUMERIC, changing only the Java object unpack makes (an ISOAmount), never the bytes.
  table.set('IFA_AMOUNT2003', (n) => field('n', 'ascii', n));
  table.set('IFB_AMOUNT2003', (n, pad) => bcd('n', n, pad));

  // Fixed-length text, right-padded with spaces.
  table.set('IF_CHAR', (n) => field('ans', 'ascii', n));
  table.set('IFE_CHAR', (n) => field('ans', IFE, n));

  // Amounts: a sign character (C or D) then length - 1 digits, left-padded with zeros. IFB_AMOUNT sends the sign as
  // one ASCII byte and the digits as BCD.
  table.set('IFA_AMOUNT', (n) => field('xn', 'ascii', n));
  table.set('IFE_AMOUNT', (n) => field('xn', IFE, n));
  table.set('IFB_AMOUNT', (n, pad) => {
    const shape = bcd('xn', n, pad);
    if (shape.kind === 'field') shape.spec.signEncoding = 'ascii';
    return shape;
  });

  // Fixed-length binary: IFA_BINARY as ASCII hex characters, IFE_BINARY as EBCDIC hex characters, IFB_BINARY raw.
  table.set('IFA_BINARY', (n) => field('b', 'hex', n));
  table.set('IFE_BINARY', (n) => field('b', 'ebcdic-hex', n));
  table.set('IFB_BINARY', (n) => field('b', 'binary', n));

  // Variable text: prefix in ASCII (IFA), EBCDIC (IFE) or BCD (IFB), characters in ASCII or EBCDIC.
  for (const l of VARIABLE.IFA.CHAR) table.set(`IFA_${l}CHAR`, (n) => field('ans', 'ascii', n, prefix('ascii', l.length)));
  for (const l of VARIABLE.IFE.CHAR) table.set(`IFE_${l}CHAR`, (n) => field('ans', IFE, n, prefix('ebcdic', l.length)));
  for (const l of VARIABLE.IFB.CHAR) table.set(`IFB_${l}CHAR`, (n) => field('ans', 'ascii', n, prefix('bcd', l.length)));
  // Variable numerics: the prefix counts digits.
  for (const l of VARIABLE.IFA.NUM) table.set(`IFA_${l}NUM`, (n) => field('n', 'ascii', n, prefix('ascii', l.length)));
  for (const l of VARIABLE.IFE.NUM) table.set(`IFE_${l}NUM`, (n) => field('n', IFE, n, prefix('ebcdic', l.length)));
  for (const l of VARIABLE.IFB.NUM) table.set(`IFB_${l}NUM`, (n, pad) => bcd('n', n, pad, prefix('bcd', l.length)));
  // Variable binary: raw bytes after an ASCII, EBCDIC or BCD prefix that counts bytes.
  for (const l of VARIABLE.IFA.BINARY) table.set(`IFA_${l}BINARY`, (n) => field('b', 'binary', n, prefix('ascii', l.length)));
  for (const l of VARIABLE.IFE.BINARY) table.set(`IFE_${l}BINARY`, (n) => field('b', 'binary', n, prefix('ebcdic', l.length)));
  for (const l of VARIABLE.IFB.BINARY) table.set(`IFB_${l}BINARY`, (n) => field('b', 'binary', n, prefix('bcd', l.length)));

  // Length prefixes as binary numbers (the H of IFB_LLHCHAR: one byte for LL, two for LLL).
  table.set('IFB_LLHCHAR', (n) => field('ans', 'ascii', n, prefix('binary', 1)));
  table.set('IFB_LLLHCHAR', (n) => field('ans', 'ascii', n, prefix('binary', 2)));
  table.set('IFB_LLHBINARY', (n) => field('b', 'binary', n, prefix('binary', 1)));
  table.set('IFB_LLLHBINARY', (n) => field('b', 'binary', n, prefix('binary', 2)));
  table.set('IFB_LLHNUM', (n, pad) => bcd('n', n, pad, prefix('binary', 1)));
  table.set('IFB_LLLHNUM', (n, pad) => bcd('n', n, pad, prefix('binary', 2)));

  // Bitmaps: the `length` attribute is the number of bitmap bytes (16: primary + secondary, 24: + tertiary).
  table.set('IFA_BITMAP', () => ({ kind: 'bitmap', encoding: 'hex' }));
  table.set('IFB_BITMAP', () => ({ kind: 'bitmap', encoding: 'binary' }));
  table.set('IFE_BITMAP', () => ({ kind: 'bitmap', encoding: 'ebcdic' }));
  // VISA's sub-field bitmap (org.jpos.iso.packager.Base1_BITMAP126): 8 raw bytes whatever its length attribute says,
  // bit N marking sub-field N from bit 1 (its unpack never reads bit 1 as announcing a secondary bitmap).
  table.set('Base1_BITMAP126', () => ({ kind: 'bitmap', encoding: 'binary', bytes: 8 }));
  return table;
}

const CLASSES = build();

/** The short name of a jPOS class attribute: package dropped, surrounding spaces trimmed (`IFB_BINARY `). */
export function shortClassName(className: string): string {
  const trimmed = className.trim();
  const dot = trimmed.lastIndexOf('.');
  return dot === -1 ? trimmed : trimmed.slice(dot + 1);
}

/** The classes jPOS ships in `org.jpos.iso.packager` rather than `org.jpos.iso`. */
const IN_PACKAGER_PACKAGE = new Set(['Base1_BITMAP126']);

/** Whether `className` is a jPOS field class in its jPOS package (or given without a package). */
function inJposPackage(className: string): boolean {
  const trimmed = className.trim();
  if (!trimmed.includes('.')) return true;
  const short = shortClassName(trimmed);
  const pkg = IN_PACKAGER_PACKAGE.has(short) ? 'org.jpos.iso.packager' : 'org.jpos.iso';
  return trimmed === `${pkg}.${short}`;
}

/**
 * The wire description of a jPOS field class for the given `length` and `pad` attributes, or `undefined` when the
 * class is not one the importer knows.
 */
export function describeClass(className: string, length: number, pad: boolean): ClassShape | undefined {
  if (!inJposPackage(className)) return undefined;
  const builder = CLASSES.get(shortClassName(className));
  return builder === undefined ? undefined : builder(length, pad);
}

/** The short names of every class the importer knows, sorted (for the documentation and the tests). */
export function knownClasses(): string[] {
  return [...CLASSES.keys()].sort();
}

/**
 * The dialect bitmap a bitmap class makes, from its `length` attribute (bytes; a class with a fixed size, such as
 * Base1_BITMAP126, ignores it). In a composite, up to 8 bytes is a bitmap whose bit N marks sub-field N (`length`);
 * 16 bytes follow the message rules (bit 1 announces the secondary bitmap) and 24 add a tertiary one.
 */
export function bitmapSpec(shape: ClassShape & { kind: 'bitmap' }, lengthAttribute: number, composite: boolean): BitmapSpec {
  const bytes = shape.bytes ?? lengthAttribute;
  const spec: BitmapSpec = { encoding: shape.encoding };
  if (composite && bytes >= 1 && bytes <= 8) spec.length = bytes;
  if (bytes > 16) spec.tertiary = true;
  return spec;
}

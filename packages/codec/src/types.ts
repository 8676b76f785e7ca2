/**
 * The message model and the dialect model of the codec. Everything here is plain data (JSON-serialisable), so a
 * dialect can be written as a JSON file, imported from a jPOS GenericPackager XML file, or built in.
 */

/**
 * A decoded ISO 8583 message: field number (as a string) -> value. `"0"` is the MTI. The bitmap is computed on
 * pack and never shown (`"1"` is ignored on input). Text and numeric values are strings exactly as they were on the
 * wire (leading zeros and padding kept); binary values (`b` fields) are uppercase hex; a composite field (one with
 * sub-fields, like Postilion's field 127) is a nested message keyed by sub-field number.
 */
export interface IsoMessage {
  [field: string]: string | IsoMessage;
}

/**
 * A message as a caller may supply it for packing: like {@link IsoMessage}, but numeric values may be numbers
 * (or bigints) and short numeric strings, which are padded per dialect (`"4": 1000` -> `"000000001000"`).
 * `null` and `undefined` values mean "field absent". An empty string is present: a fixed numeric field given `''` is
 * padded like any short value, to zeros (`"4": ''` packs `000000000000`, as jPOS does), a fixed text field to spaces,
 * a variable one is sent empty; leave the field out (or `null`) to send none.
 */
export interface MessageInput {
  [field: string]: string | number | bigint | MessageInput | null | undefined;
}

/** The data-element types of ISO 8583:1987 (clause 4.3) used for validation on pack and (strict) unpack. */
export type FieldType =
  /** numeric digits 0-9 */
  | 'n'
  /** alphabetic A-Z a-z */
  | 'a'
  /** alphanumeric */
  | 'an'
  /** alphanumeric and special characters (any printable) */
  | 'ans'
  /** alphabetic and special characters */
  | 'as'
  /** numeric and special characters */
  | 'ns'
  /** alphanumeric and pad (space) */
  | 'anp'
  /** binary data, shown as uppercase hex in the message */
  | 'b'
  /** track 2 and track 3 code set (ISO 7811/7813): digits plus the separators `=` (or `D`) */
  | 'z'
  /** amount: a sign character `C` (credit) or `D` (debit) followed by digits (`x+n`) */
  | 'xn';

/**
 * How the bytes of a value travel on the wire.
 * - `ascii`: one byte per character.
 * - `ebcdic`: one byte per character, EBCDIC code page 1047 (as jPOS `ISOUtil` since 2016); the same as `ebcdic-1047`.
 * - `ebcdic-1047`: EBCDIC code page 1047, by its explicit name.
 * - `ebcdic-037`: EBCDIC code page 037 (US/Canada), for peers that use it. It differs from 1047 in `^ [ ]`, `¬ Ý ¨`
 *   and the bytes of LF and NEL; digits, letters and the characters of prefixes, MTIs and bitmaps are the same.
 * - `bcd`: packed binary-coded decimal, two digits per byte (see {@link FieldSpec.justify} and
 *   {@link FieldSpec.padNibble}); for `z` fields the track 2 separator `=` travels as nibble `D`.
 * - `binary`: raw bytes; the message shows them as uppercase hex.
 * - `hex`: raw bytes sent as ASCII hex characters, two per byte (jPOS `IFA_BINARY`); the message shows uppercase hex.
 * - `ebcdic-hex`: raw bytes sent as EBCDIC hex characters, two per byte (jPOS `IFE_BINARY`); the message shows
 *   uppercase hex.
 */
export type ValueEncoding = 'ascii' | 'ebcdic' | 'ebcdic-1047' | 'ebcdic-037' | 'bcd' | 'binary' | 'hex' | 'ebcdic-hex';

/** How the digits of a length prefix travel: as characters (`ascii`, `ebcdic`), packed (`bcd`) or as a binary number. */
export type PrefixEncoding = 'ascii' | 'ebcdic' | 'bcd' | 'binary';

/** The length prefix of a variable-length field (LLVAR, LLLVAR, ...). */
export interface LengthPrefix {
  /** How the length travels. */
  encoding: PrefixEncoding;
  /**
   * The size of the prefix: the number of length digits (the L's of LLVAR: 1-6) for `ascii`, `ebcdic` and `bcd`
   * (a BCD prefix takes ceil(digits / 2) bytes); the number of bytes (1-4) for `binary`.
   */
  digits: number;
  /**
   * What the length counts. Default `units`.
   * - `units`: characters for text encodings, digits for `bcd` values, bytes for `binary`/`hex` values.
   * - `bytes`: bytes on the wire.
   * - `nibbles`: half-bytes (pyiso8583's `len_count: nibbles`): digits for `bcd` values, twice the bytes otherwise.
   */
  counts?: 'units' | 'bytes' | 'nibbles';
}

/** Padding of a fixed-length text value (and of variable ones where a dialect asks for it). */
export interface TextPad {
  /** Which side the pad characters go on. */
  side: 'left' | 'right';
  /**
   * The pad character (one Latin-1 character): a hex digit for a `binary`, `hex` or `ebcdic-hex` value (two of them pad
   * a missing byte), a digit for a `bcd` value; any other is refused with the dialect (`ISO8583_ERR_DIALECT_INVALID`).
   */
  char: string;
}

/** What kind of card data a field carries, for masking in `describe()`, logs and errors. */
export type Sensitivity =
  /** Primary account number: shown as first 6 + last 4 digits. */
  | 'pan'
  /** Track data: shown up to the separator (the PAN part masked), the rest hidden. */
  | 'track'
  /** PIN block: hidden. */
  | 'pin'
  /** Card verification data: hidden. */
  | 'cvv'
  /** EMV / ICC data (field 55): tags shown, values hidden. */
  | 'emv'
  /** Any other secret: hidden. */
  | 'secret';

/** The description of one data element in a dialect. */
export interface FieldSpec {
  /** The data element's name from the standard (or the dialect file), e.g. `PRIMARY ACCOUNT NUMBER`. */
  name: string;
  /** The data-element type, used for validation. */
  type: FieldType;
  /**
   * The fixed length, or the maximum length when {@link prefix} is set. Counted in characters for text, digits
   * for `n`/`z`/`xn` (the sign counts as one), bytes for `b`.
   */
  length: number;
  /** How the value travels. */
  encoding: ValueEncoding;
  /** The length prefix; absent for a fixed-length field. */
  prefix?: LengthPrefix;
  /**
   * Padding applied on pack when the value is shorter than a fixed length. Default: numeric types (`n`, `xn`) left
   * with `0`; text types right with a space (in `bcd`, which carries no space, not padded); `b` and `z` are not
   * padded (a short value is an error).
   */
  pad?: TextPad;
  /**
   * BCD only: which side the value sits on when the digits are odd. `right` (default; the pad nibble goes on the
   * left, jPOS `LEFT_PADDED`) or `left` (pad nibble on the right, jPOS `RIGHT_PADDED`).
   */
  justify?: 'left' | 'right';
  /** BCD only: the pad nibble for an odd number of digits. Default `0`. */
  padNibble?: '0' | 'F';
  /**
   * For `xn` amounts whose digits are `bcd`: how the sign character travels (jPOS `IFB_AMOUNT` sends it as ASCII,
   * `IFE_AMOUNT` as EBCDIC). Default: `ascii`.
   */
  signEncoding?: 'ascii' | 'ebcdic';
  /** Card data carried by this field, for masking. Absent: not sensitive. */
  sensitive?: Sensitivity;
  /** A composite field: the value is itself a structure of sub-fields (nested `isofieldpackager` in jPOS). */
  subfields?: CompositeSpec;
}

/** How a bitmap travels. */
export interface BitmapSpec {
  /** `binary` (8 bytes per bitmap), `hex` (16 ASCII hex characters per bitmap) or `ebcdic` (16 EBCDIC hex characters). */
  encoding: 'binary' | 'hex' | 'ebcdic';
  /**
   * Composite fields only: the size of the sub-field bitmap in bytes (1-8; jPOS `IFB_BITMAP` / `IFE_BITMAP` length on
   * an `isofieldpackager`), doubled on the wire for `hex` and `ebcdic`. Bit N marks sub-field N, bit 1 included: such
   * a bitmap never announces a secondary bitmap. Absent: the message rules (8 bytes, bit 1 announcing a secondary
   * bitmap).
   */
  length?: number;
  /**
   * Whether bit 65 announces a tertiary bitmap (fields 129-192). Default `false`: field 65 is then an ordinary data
   * element of the dialect (if defined). With `true`, a field (or sub-field) 65 is refused by `createCodec`.
   */
  tertiary?: boolean;
  /**
   * With `tertiary`: bit 65 announces the tertiary bitmap and also marks a field 65 that the layout defines, read
   * whenever bit 65 is set and written when present (jPOS `GenericSubFieldPackager`, whose unpack reads a defined
   * sub-field 65 at bit 65 as any other). Default `false`: bit 65 only announces the tertiary bitmap and a field 65
   * is refused by `createCodec`. On a sub-field bitmap only: on the message bitmap `createCodec` refuses it
   * (`ISO8583_ERR_DIALECT_INVALID` naming `bitmap.tertiaryField65`), as the message loops never read a field 65 beside
   * a tertiary bitmap.
   */
  tertiaryField65?: boolean;
  /**
   * The lowest field number this bitmap's bits mark (jPOS `firstField`): set bits below it are ignored when
   * unpacking, and no field below it may be defined. Default: 2 under the message rules (bit 1 announces the
   * secondary bitmap), 1 for a sub-field bitmap with `length`.
   */
  firstField?: number;
}

/**
 * The layout of a composite field's contents: either a bitmap followed by the present sub-fields (jPOS
 * GenericSubFieldPackager / a nested GenericPackager with `emitBitmap`), or, without a bitmap, every sub-field in
 * order (positional).
 */
export interface CompositeSpec {
  /** The sub-field bitmap; absent for a positional layout. */
  bitmap?: BitmapSpec;
  /**
   * Fixed bytes before the sub-fields (jPOS `headerLength` on an `isofieldpackager`). Default 0. The nested message
   * shows them under the key `header` as uppercase hex (as jPOS shows `<header>` inside a nested `isomsg`); on pack
   * they come from there (default: that many zero bytes).
   */
  headerLength?: number;
  /**
   * Positional layouts only: the sub-fields after the last present one are not sent, and those before it that are
   * absent travel empty (padding for a fixed sub-field, a zero length for a variable one), as jPOS
   * `GenericSubFieldPackager` packs with `emitBitmap="false"`. In a fixed text box padded after its sub-fields (jPOS
   * `IF_CHAR`), unpack ends the sub-fields where only the pad is left: a trailing sub-field whose bytes are all the pad
   * reads as absent (its bytes are those of an absent one), so such a box must be padded with spaces: another
   * `pad.char` (`0`: an amount of 0 would read back as absent) is refused (`ISO8583_ERR_DIALECT_INVALID`). Default
   * `false`: every sub-field travels, absent ones empty.
   */
  omitTrailingAbsent?: boolean;
  /**
   * The sub-fields, keyed by sub-field number as a string: 0 and up when positional; with a bitmap, 1 up to its size
   * (sub-field 0 has no bit), and not 1 (nor 65 with `tertiary`) under the message rules, where those bits announce
   * the next bitmap.
   */
  fields: Record<string, FieldSpec>;
}

/** An edition of ISO 8583: `1987` (MTIs 0xxx) or `1993` (MTIs 1xxx). */
export type DialectVersion = '1987' | '1993';

/**
 * How a host wants the reversals a connector makes, where it departs from its edition's (1987: field 90, the original
 * data elements; 1993: field 56, with 24 = 400 and 25 = 4021). Built-in `smartvista` has one: SocketQueue's SmartVista
 * reversal (`logic/smartVista.js`: the original with 24 = 400 and field 7 = now on each attempt; its packager requires
 * 24 and 25 in an 0400 and has no field 90).
 */
export interface DialectReversal {
  /**
   * Fields a reversal sets to fixed values (`{ "24": "400" }`). Refused (`ISO8583_ERR_DIALECT_INVALID`,
   * `reversal.set.N`): the MTI and bitmap (0, 1), what the reversal takes from the original (2, 4, 7, 11, 12, 41, 90;
   * 56 in a 1993 edition), card-data fields, fields the dialect lacks, and values that do not pack in their field. A JSON
   * dialect's `set` merges per field over the one of the dialect it extends (`null` unsets a field). Default: none.
   */
  set?: Record<string, string>;
  /**
   * Fields copied from the original besides the connector's `reversal.fields` (`["25"]`), each a field of the dialect
   * (else refused, `reversal.copy.N`); card data is never copied. Default: none.
   */
  copy?: string[];
  /** Carry the original data elements (1987: field 90; 1993: field 56). Default `true`. */
  originalData?: boolean;
  /** Field 7 (transmission date and time) is now, on every attempt, instead of the original's. Default `false`. */
  freshTransmissionTime?: boolean;
  /**
   * The field of an approval-class answer (`isApprovalClass`) that carries the amount the host approved: a reversal
   * of an answered approval (one its client never got) carries that amount in its field 4, not the request's, so that
   * a partial approval (`10`, `002`) is undone for what it moved, never more. Used only when the reversal carries
   * field 4 and the answer's value is 1 to 12 digits, not zero, not more than the request's field 4 (compared as
   * numbers), and in the request's currency: the answer's currency field of that amount (49, absent or the request's;
   * 50 for field 5 and 51 for field 6, present and the request's 49) (else the request's amount stays).
   * `false`: the request's amount, always. Default `"4"` (the partial approval answers of ISO 8583, Visa and
   * Mastercard carry the approved amount in field 4). Refused (`ISO8583_ERR_DIALECT_INVALID`, `reversal.approvedAmount`)
   * when it names a card-data field or a field that never carries an amount (3, 7, 9-13, 37, 41, 49-51, 90; 56 in 1993).
   * A JSON dialect file sets it as `"reversal": { "approvedAmount": "4" }` (`null`:
   * the default). A reversal whose answer is not known (a timeout) always carries the request's amount.
   */
  approvedAmount?: string | false;
}

/**
 * How a host wants the network management requests a connector makes (sign-on, sign-off, echo test), where it departs
 * from its edition's (1987: field 70 = 001, 002, 301; 1993: field 24 = 801, 802, 831). Built-in `smartvista` has one:
 * SmartVista's 0800 carries 3, 24 and 41 (SocketQueue's packager requires them), the code in field 24 (echo 831).
 */
export interface DialectNetworkManagement {
  /** The field that carries the code. */
  field: string;
  /** The code of each request. */
  codes: { 'sign-on': string; 'sign-off': string; echo: string };
  /** More fields every request carries, fixed (`{ "3": "990000", "41": "00000000" }`). Default: none. */
  set?: Record<string, string>;
  /**
   * How the answer to a request the host initiates (its 0800) differs from the request it echoes, besides field 7
   * (the time of the answer's own transmission) and 39 (set): fields it leaves out (`omit`) and whether it carries a
   * retrieval reference number of its own in field 37 (`retrievalReference`). SmartVista: 24 and 42 left out and 37
   * made, as SocketQueue's SmartVista logic answers. Default: every field echoed, no 37 added.
   */
  answer?: { omit?: readonly string[]; retrievalReference?: boolean };
}

/** A dialect: how every field of a message travels on the wire. Plain data. */
export interface Dialect {
  /** A short name, e.g. `iso87ascii`. */
  name: string;
  /** One line saying what it is. */
  description?: string;
  /** How the MTI (4 digits) travels. */
  mti: { encoding: 'ascii' | 'ebcdic' | 'bcd' };
  /** How the primary (and secondary, tertiary) bitmaps travel. */
  bitmap: BitmapSpec;
  /** Fixed bytes before the MTI that belong to the message (jPOS `isopackager headerLength`). Default 0. */
  headerLength?: number;
  /**
   * The edition of ISO 8583 the dialect speaks: the version digit of the MTIs the connector and the host simulator
   * make (0800 or 1804), and where a reversal carries the original data elements (field 90 or 56). Default `1987`.
   */
  version?: DialectVersion;
  /**
   * The response codes (field 39) that mean "approved", in the width the dialect gives field 39 (`isApproved` in
   * `approval.ts` is the one reader). Default `["000"]` when field 39 has 3 fixed characters (`n`, `an` or `ans`),
   * `["0000"]` when it has 4 fixed characters, `["00"]` otherwise; the built-in `smartvista` has `["000"]`.
   */
  approvalCodes?: string[];
  /**
   * The response codes (field 39) of answers that moved money besides the `approvalCodes` (`isApprovalClass` in
   * `approval.ts`: an approval its client never got is reversed), in the width the dialect gives field 39: the
   * standard's approval class replaced, for a private network where one of its codes means a decline (`["00", "08",
   * "10", "16"]`: its `11` declines; `[]`: only the `approvalCodes`, and for a 4-character field 39 the 2003 edition's `0xxx`; a JSON dialect file's `null`: the standard's, not
   * the class of the dialect it extends). Default: the standard's class of the dialect's
   * edition (1987: `00`, `08`, `10`, `11`, `16`, also in 3 digits where field 39 has 3; 1993: `000`-`099`).
   */
  approvalClass?: string[];
  /**
   * The response codes (field 39) with which the host says it could not process a message (a system error, not a
   * decision: `isSystemError` in `system-error.ts` is the one reader): a reversal or an advice answered with one stays
   * in the store-and-forward queue and is repeated. In the width the dialect gives field 39; `[]`: none. Default by
   * the edition: 1987 `["68", "91", "96"]` (`68` response received too late, 1993's `911`; `["068", "091", "096"]`
   * where field 39 has 3 fixed characters; `["68", "91", "96"]` only, for a dialect of either edition whose field 39
   * has 2 characters, as its answers carry 1987 codes), 1993 `["907", "909", "910", "911", "912"]`, an answer judged
   * by its MTI where field 39 can hold both (an answer to a 0400 carries 1987 codes, one to a 1420 1993 codes, whatever
   * the dialect's edition: `091` is a system error answering a 0400, approval class answering a 1420; without an MTI,
   * iso93ascii's list is `[..., "912", "068", "091", "096"]`); the built-in
   * `smartvista` has SocketQueue's `["005", "120", "902", "903", "907", "910", "912"]` and `"909"`, `"911"`.
   */
  systemErrorCodes?: string[];
  /**
   * The dialect's own codes for the answers the toolkit makes itself (`responseCodeIn` is the one reader), by the ISO
   * 8583:1987 response code each means (`{ "68": "911" }`), where the network's table departs from the edition's; in
   * the width the dialect gives field 39. Inherited by a JSON dialect that extends this one. Default: none, the
   * edition's codes (`68`, written `068` where field 39 has 3 fixed characters; `911` answering a 1xxx MTI); the
   * built-in `smartvista` has SmartVista's 9xx codes for the gateway's and endpoint's own failure answers: `30` ->
   * `904`, `68` -> `911`, `91` -> `907`, `94` -> `913`, `96` -> `909`.
   */
  answerCodes?: Readonly<Record<string, string>>;
  /**
   * The reversals the host wants, where they depart from the edition's ({@link DialectReversal}); inherited by a JSON
   * dialect that extends this one, whose own `reversal` overrides the rules it names (`null` for a rule: its default;
   * `"reversal": null`: the edition's). Default: the edition's.
   */
  reversal?: DialectReversal;
  /**
   * The network management requests the host wants, where they depart from the edition's
   * ({@link DialectNetworkManagement}); inherited by a JSON dialect that extends this one. Default: the edition's.
   */
  networkManagement?: DialectNetworkManagement;
  /** Data elements 2-128 (2-192 with a tertiary bitmap, 65 excepted), keyed by field number as a string. */
  fields: Record<string, FieldSpec>;
}

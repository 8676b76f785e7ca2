/**
 * Every failure of the codec has a stable `code` listed here (match on `err.code`, never on the text). An error says
 * which field and where (byte offset into the message), never the field's value: no card data reaches an error text.
 * `docs/errors.md` has one row per code; a test keeps this table, the docs and the thrown codes in sync.
 *
 * `Iso8583Error.code` is typed as the union of the code tables of every package ({@link Iso8583ErrorCode}): the
 * codec's codes here, and each other package adds its own table to {@link Iso8583ErrorCodes} by declaration merging.
 */

/** Codec error codes and what each means (the text that `docs/errors.md` shows). */
export const CODEC_ERROR_CODES = {
  ISO8583_ERR_INVALID_MESSAGE:
    'The message given to pack (or read from XML/JSON) is invalid; `problems` lists every offending field.',
  ISO8583_ERR_FIELD_UNKNOWN: 'A field number that the dialect does not define.',
  ISO8583_ERR_FIELD_ID: 'A field id that is not a number in the range of the dialect (1-128, or 1-192 with a tertiary bitmap).',
  ISO8583_ERR_FIELD_TOO_LONG: 'A value longer than the field allows (fixed length or maximum).',
  ISO8583_ERR_FIELD_TOO_SHORT: 'A value shorter than a fixed-length field that is not padded (binary, track data).',
  ISO8583_ERR_FIELD_TYPE: 'A value with characters that the field type does not allow (e.g. a non-digit in an `n` field).',
  ISO8583_ERR_FIELD_VALUE: 'A value of the wrong kind (e.g. an object for a plain field, a number for a text field).',
  ISO8583_ERR_MTI: 'A missing or malformed MTI (four digits).',
  ISO8583_ERR_HEADER: 'A message header of the wrong length for the dialect.',
  ISO8583_ERR_TRUNCATED: 'The bytes end before the message does (a read past the end).',
  ISO8583_ERR_LENGTH_PREFIX: 'A length prefix that is not a number in its encoding.',
  ISO8583_ERR_LENGTH_OVER_MAX: 'A declared length over the field maximum.',
  ISO8583_ERR_BITMAP: 'A malformed bitmap (bad hex characters, or a bit set for a field that the dialect does not define).',
  ISO8583_ERR_ENCODING: 'Bytes that are not valid in the field encoding (e.g. a BCD nibble above 9).',
  ISO8583_ERR_TRAILING_BYTES: 'Bytes left after the last field of the message (allow them with `trailing: "allow"`).',
  ISO8583_ERR_DIALECT_UNKNOWN: 'A dialect name that is not built in and not a readable file.',
  ISO8583_ERR_DIALECT_INVALID: 'A dialect (JSON or built) that breaks the dialect schema; `problems` lists every offending path.',
  ISO8583_ERR_PACKAGER_XML: 'A jPOS GenericPackager XML file that cannot be read.',
  ISO8583_ERR_PACKAGER_CLASS: 'A jPOS field packager class that the importer does not know; names the field and the class.',
  ISO8583_ERR_XML: 'XML input that is not a well-formed `ISOMessage` document.',
  ISO8583_ERR_JSON: 'JSON input that is not an object keyed by field number.',
  ISO8583_ERR_TLV: 'EMV BER-TLV data that is malformed (bad tag, length beyond the data).',
  ISO8583_ERR_FRAME_LENGTH: 'A frame length header that is not a number, or is over the maximum frame size.',
  ISO8583_ERR_FRAME_TOO_LARGE: 'A message bigger than the frame format or the maximum frame size allows.',
  ISO8583_ERR_FRAME_READ_TIMEOUT: 'A started frame was not completed within the read timeout of a message stream.',
  ISO8583_ERR_FRAME_HANDLER:
    'The `frame` handler of a message stream threw (e.g. `stream.decode` of a malformed message); `cause` is what it threw. That stream is broken, no other.',
  ISO8583_ERR_OPTION: 'An invalid option passed to a codec function; names the option.',
  ISO8583_ERR_INTERNAL:
    'An unexpected failure without a code of its own (a bug to report), as an HTTP route answers it (500); the text says no more than `internal error`.',
} as const;

/** A stable error code of the codec. */
export type CodecErrorCode = keyof typeof CODEC_ERROR_CODES;

/**
 * The HTTP status that an HTTP route (the connector's Fastify routes, the gateway) answers with for each codec code:
 * everything the codec refuses is the caller's input (400), but an internal failure (500).
 */
export const CODEC_ERROR_HTTP_STATUS: Readonly<Record<CodecErrorCode, number>> = Object.freeze(
  Object.fromEntries(
    Object.keys(CODEC_ERROR_CODES).map((code) => [code, code === 'ISO8583_ERR_INTERNAL' ? 500 : 400]),
  ) as Record<CodecErrorCode, number>,
);

/**
 * The code tables of every `@iso8583/*` package, one member per table, each the union of that table's codes.
 * `Iso8583Error.code` is {@link Iso8583ErrorCode}, the union of all of them. A package that has a code table of its
 * own adds it here by declaration merging, next to the table:
 *
 * ```ts
 * export const MY_ERROR_CODES = { ISO8583_ERR_MY_THING: 'What went wrong.' } as const;
 * export type MyErrorCode = keyof typeof MY_ERROR_CODES;
 * declare module '@iso8583/codec' {
 *   interface Iso8583ErrorCodes {
 *     my: MyErrorCode;
 *   }
 * }
 * ```
 *
 * A code added to an existing table needs nothing more (the member is `keyof typeof` the table).
 */
export interface Iso8583ErrorCodes {
  /** The codec's codes ({@link CODEC_ERROR_CODES}). */
  codec: CodecErrorCode;
}

/** A stable error code of any `@iso8583/*` package: the union of the tables merged into {@link Iso8583ErrorCodes}. */
export type Iso8583ErrorCode = Iso8583ErrorCodes[keyof Iso8583ErrorCodes];

/** One offending field (or option, or dialect path) of an invalid input. */
export interface FieldProblem {
  /** The field number (`"35"`, or `"127.2"` for a sub-field), or the option / dialect path. */
  field: string;
  /** What is wrong, as a stable code. */
  code: string;
  /** What is wrong, in words; never the value itself. */
  reason: string;
}

/** Context attached to an {@link Iso8583Error}. */
export interface Iso8583ErrorContext {
  /** The field number (`"35"`, `"127.2"`), option name or dialect path concerned. */
  field?: string;
  /** The byte offset into the message (or frame) where the problem was found. */
  offset?: number;
  /** Every offending field, for errors about a whole input. */
  problems?: FieldProblem[];
  /** The MTI of the message concerned, when known. */
  mti?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The error class of all `@iso8583/*` packages. `code` is stable; `field`, `offset`, `problems` and `mti` give the
 * context. The message text never contains a field value.
 */
export class Iso8583Error extends Error {
  /** The stable error code, e.g. `ISO8583_ERR_FIELD_TOO_LONG`: one of the code tables of the packages. */
  readonly code: Iso8583ErrorCode;
  /** The field (or option) concerned, when there is one. */
  readonly field: string | undefined;
  /** The byte offset where the problem was found, when decoding. */
  readonly offset: number | undefined;
  /** Every offending field of an invalid input. */
  readonly problems: FieldProblem[] | undefined;
  /** The MTI of the message concerned, when known. */
  readonly mti: string | undefined;

  constructor(code: Iso8583ErrorCode, message: string, context: Iso8583ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = 'Iso8583Error';
    this.code = code;
    this.field = context.field;
    this.offset = context.offset;
    this.problems = context.problems;
    this.mti = context.mti;
  }

  /** A plain object for logs and HTTP answers: code, message and context, never values. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { code: this.code, message: this.message };
    if (this.field !== undefined) out.field = this.field;
    if (this.offset !== undefined) out.offset = this.offset;
    if (this.mti !== undefined) out.mti = this.mti;
    if (this.problems !== undefined) out.problems = this.problems;
    return out;
  }
}

/** Makes a codec error; `field` and `offset` are added to the text so that a log line says where. */
export function codecError(code: CodecErrorCode, reason: string, context: Iso8583ErrorContext = {}): Iso8583Error {
  let text = reason;
  if (context.field !== undefined) text = `field ${context.field}: ${text}`;
  if (context.offset !== undefined) text += ` (at byte ${context.offset})`;
  return new Iso8583Error(code, text, context);
}

/** How many problems the text of an invalid-input error lists; its `problems` hold them all. */
export const MAX_PROBLEMS_IN_TEXT = 20;

/**
 * The problems of an invalid input as an error text, `<field> (<reason>); ...`: the first
 * {@link MAX_PROBLEMS_IN_TEXT} and how many more, so that a hostile input of a megabyte cannot make a log line of one.
 * Each problem is made safe where it is found (no value; input names cut and their digits hidden): `problems` on the
 * error keep them all.
 */
export function problemsText(problems: readonly FieldProblem[]): string {
  const shown = problems.length > MAX_PROBLEMS_IN_TEXT ? problems.slice(0, MAX_PROBLEMS_IN_TEXT) : problems;
  const list = shown.map((p) => `${p.field} (${p.reason})`).join('; ');
  return shown.length < problems.length ? `${list}; and ${problems.length - shown.length} more` : list;
}

/** Makes the error for an invalid input that names every offending field at once (the text: {@link problemsText}). */
export function invalidMessage(problems: FieldProblem[], what = 'message'): Iso8583Error {
  return new Iso8583Error('ISO8583_ERR_INVALID_MESSAGE', `invalid ${what}: ${problemsText(problems)}`, { problems });
}

/** True when `err` is an {@link Iso8583Error} (or any error carrying a string `code` from these packages). */
export function isIso8583Error(err: unknown): err is Iso8583Error {
  return err instanceof Iso8583Error;
}

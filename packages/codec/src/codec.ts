import type { Dialect, IsoMessage, MessageInput } from './types.js';
import type { FieldProblem } from './errors.js';
import { codecError } from './errors.js';

/** Options of a codec. */
export interface CodecOptions {
  /**
   * Lenient mode: accept (on unpack) and send back (on pack) characters that the field type does not allow, as
   * long as the wire encoding can carry them (e.g. letters in an ASCII `n` field, as some hosts send). Lengths,
   * bounds and encodings are still checked. Default `false`.
   */
  lenient?: boolean;
  /** What to do with bytes after the last field on unpack: `error` (default) or `allow`. */
  trailing?: 'error' | 'allow';
}

/** Options of one pack call. */
export interface PackOptions {
  /** The header bytes before the MTI when the dialect has a `headerLength`. Default: that many zero bytes. */
  header?: Uint8Array;
}

/** The full result of decoding. */
export interface Decoded {
  /** The message. */
  message: IsoMessage;
  /** The dialect's header bytes before the MTI (empty when the dialect has none). */
  header: Buffer;
  /** The number of bytes the message took (less than the input with `trailing: "allow"`). */
  length: number;
}

/** A codec bound to one dialect. */
export interface Codec {
  /** The dialect this codec packs and unpacks. */
  readonly dialect: Dialect;
  /** Packs a message into its wire image. Throws `ISO8583_ERR_INVALID_MESSAGE` naming every offending field. */
  pack(message: MessageInput, options?: PackOptions): Buffer;
  /** Unpacks a wire image into a message. Throws a coded error with the field and byte offset. */
  unpack(bytes: Uint8Array, options?: CodecOptions): IsoMessage;
  /** Unpacks and also returns the header and the length used. */
  decode(bytes: Uint8Array, options?: CodecOptions): Decoded;
  /** Every problem that packing `message` would have, without packing (empty when it is valid). */
  validate(message: MessageInput, options?: CodecOptions): FieldProblem[];
  /**
   * The length of the complete message at the start of `bytes`, or `undefined` when more bytes are needed; throws a
   * coded error when the bytes cannot be the start of a message. Used to cut a stream with no length header.
   */
  measure(bytes: Uint8Array, options?: CodecOptions): number | undefined;
}

/** Makes a codec for a dialect (a dialect object or a built-in name). */
export function createCodec(dialect: Dialect | string, options: CodecOptions = {}): Codec {
  void dialect;
  void options;
  throw codecError('ISO8583_ERR_OPTION', 'createCodec is not built yet');
}

/** Packs a message with a dialect (default `iso87ascii`). */
export function pack(message: MessageInput, options: PackOptions & { dialect?: Dialect | string } = {}): Buffer {
  return createCodec(options.dialect ?? 'iso87ascii').pack(message, options);
}

/** Unpacks a wire image with a dialect (default `iso87ascii`). */
export function unpack(bytes: Uint8Array, options: CodecOptions & { dialect?: Dialect | string } = {}): IsoMessage {
  return createCodec(options.dialect ?? 'iso87ascii', options).unpack(bytes, options);
}

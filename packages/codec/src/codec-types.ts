/**
 * The public shape of a codec: its options, the options of one pack, the full result of a decode, and the `Codec`
 * interface that `createCodec` returns (its implementation, `CompiledCodec`, is in `codec.ts`).
 */
import type { Buffer } from 'node:buffer';
import type { Dialect, IsoMessage, MessageInput } from './types.js';
import type { FieldProblem } from './errors.js';

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
  /** The dialect's header bytes before the MTI, a copy (empty when the dialect has none: one empty Buffer shared by every decode). */
  header: Buffer;
  /** The number of bytes the message took (less than the input with `trailing: "allow"`). */
  length: number;
}

/** A codec bound to one dialect. */
export interface Codec {
  /** The dialect this codec packs and unpacks. */
  readonly dialect: Dialect;
  /**
   * Packs a message into its wire image. Throws `ISO8583_ERR_INVALID_MESSAGE` naming every offending field. Like a
   * small `Buffer.allocUnsafe`, the image is a view of a larger shared slab (`image.buffer` holds other images);
   * it is never written again by the codec.
   */
  pack(message: MessageInput, options?: PackOptions): Buffer;
  /** Unpacks a wire image into a message. Throws a coded error with the field and byte offset. */
  unpack(bytes: Uint8Array, options?: CodecOptions): IsoMessage;
  /** Unpacks and also returns the header and the length used. */
  decode(bytes: Uint8Array, options?: CodecOptions): Decoded;
  /** Every problem that packing `message` would have, without packing (empty when it is valid). */
  validate(message: MessageInput, options?: CodecOptions): FieldProblem[];
  /**
   * The length of the complete message at the start of `bytes`, or `undefined` when more bytes are needed; throws a
   * coded error when the bytes cannot be the start of a message. Used to cut a stream with no length header. Only
   * the structure is checked (lengths, prefixes, bitmaps, encodings), as in lenient mode: a value with characters
   * its type does not allow is measured, and refused by the unpack that follows. When more bytes are needed, how many
   * the message needs at least is noted for a `FrameDecoder` that passed these very `bytes` (it waits for them
   * before asking again).
   */
  measure(bytes: Uint8Array, options?: CodecOptions): number | undefined;
}

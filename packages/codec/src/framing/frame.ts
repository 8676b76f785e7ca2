import { codecError } from '../errors.js';

/** The length header in front of each message on a stream. */
export type LengthHeader =
  /** No length header: the stream is cut by decoding (requires `measure`). */
  | 'none'
  /** 2 bytes, big-endian binary. */
  | 'binary2'
  /** 4 bytes, big-endian binary. */
  | 'binary4'
  /** 2 bytes of BCD (4 digits). */
  | 'bcd2'
  /** 4 ASCII digits. */
  | 'ascii4';

/** How messages are framed on a byte stream. */
export interface FramingOptions {
  /** The length header. Default `binary2`. */
  lengthHeader?: LengthHeader;
  /** Whether the length counts the length header itself. Default `false`. */
  lengthIncludesHeader?: boolean;
  /** Fixed header bytes after the length and before the message (e.g. 5 for a TPDU). Default 0. */
  headerBytes?: number;
  /** The largest frame accepted or sent, in bytes (length header excluded). Default 65535 (8192 for `ascii4`... see docs). */
  maxFrameSize?: number;
  /** For `lengthHeader: "none"`: the length of the complete message at the start of the bytes (see `Codec.measure`). */
  measure?: (bytes: Buffer) => number | undefined;
}

/** One frame cut from a stream. */
export interface Frame {
  /** The fixed header bytes (empty when `headerBytes` is 0). */
  header: Buffer;
  /** The message bytes. */
  payload: Buffer;
}

/** Cuts a byte stream into frames; keeps leftover bytes between reads. */
export class FrameDecoder {
  constructor(readonly options: FramingOptions = {}) {}

  /** Adds bytes read from the stream and returns the frames now complete (zero-length keep-alive frames are skipped). */
  push(chunk: Buffer): Frame[] {
    void chunk;
    throw codecError('ISO8583_ERR_FRAME_LENGTH', 'not built yet');
  }
}

/** Puts the length header (and fixed header) in front of a message. */
export function encodeFrame(payload: Uint8Array, options: FramingOptions = {}, header?: Uint8Array): Buffer {
  void payload;
  void options;
  void header;
  throw codecError('ISO8583_ERR_FRAME_TOO_LARGE', 'not built yet');
}

/** A TPDU (1 byte id, 2 bytes destination, 2 bytes source) with destination and source swapped, for a reply. */
export function swapTpdu(header: Uint8Array): Buffer {
  const out = Buffer.from(header);
  if (out.length >= 5) {
    out.set(header.subarray(3, 5), 1);
    out.set(header.subarray(1, 3), 3);
  }
  return out;
}

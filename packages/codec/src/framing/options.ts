import type { Iso8583Error } from '../errors.js';
import { codecError } from '../errors.js';

/** The length header in front of each message on a stream. */
export type LengthHeader =
  /** No length header: the stream is cut by decoding (requires `measure`). */
  | 'none'
  /** 2 bytes, big-endian binary (0-65535). */
  | 'binary2'
  /** 4 bytes, big-endian binary. */
  | 'binary4'
  /** 2 bytes of BCD (4 digits, 0-9999). */
  | 'bcd2'
  /** 4 ASCII digits (0-9999). */
  | 'ascii4';

/** How messages are framed on a byte stream. */
export interface FramingOptions {
  /** The length header. Default `binary2`. */
  lengthHeader?: LengthHeader;
  /** Whether the length counts the length header itself. Default `false`. */
  lengthIncludesHeader?: boolean;
  /**
   * Fixed header bytes after the length and before the message (e.g. 5 for a TPDU); they count in the length unless
   * `lengthExcludesHeaderBytes`. Default 0.
   */
  headerBytes?: number;
  /**
   * Whether the length leaves the `headerBytes` fixed header bytes out and counts the message only (as SocketQueue's
   * `headerFormat`, e.g. `length:n:4,tpdu:b-hex:5:6000010000`, does); with `lengthIncludesHeader` it counts its own
   * size and the message. Default `false`: the length counts the fixed header bytes and the message.
   */
  lengthExcludesHeaderBytes?: boolean;
  /**
   * The largest frame accepted or sent, in bytes: the fixed header bytes plus the message, the length header
   * excluded. Default 65535. The length header may allow less (`bcd2` and `ascii4` carry at most 9999, minus
   * their own size with `lengthIncludesHeader`); the smaller of the two applies.
   */
  maxFrameSize?: number;
  /**
   * Required for `lengthHeader: "none"`, ignored otherwise: the length of the complete message at the start of the
   * bytes (after the fixed header bytes), or `undefined` when more bytes are needed (see `Codec.measure`). It may
   * throw an `Iso8583Error` when the bytes cannot start a message. Give it a codec's `measure` with the very bytes it
   * is passed (`(b) => codec.measure(b)`): that tells the decoder how many bytes to wait for before asking again, so a
   * frame trickling in costs time linear in its size; any other is asked on every read. No default.
   */
  measure?: (bytes: Buffer) => number | undefined;
}

/** One frame cut from a stream. */
export interface Frame {
  /** The fixed header bytes (empty when `headerBytes` is 0: one empty Buffer shared by every frame). Shares memory with the bytes pushed. */
  header: Buffer;
  /** The message bytes. Shares memory with the bytes pushed: copy it before changing it. */
  payload: Buffer;
  /**
   * Where the frame starts (its length header) in the stream: bytes since the first push. Set by `FrameDecoder`;
   * default: none (a frame made by hand).
   */
  offset?: number;
}

/** All default framing options in one place. */
export const FRAMING_DEFAULTS = {
  lengthHeader: 'binary2',
  lengthIncludesHeader: false,
  headerBytes: 0,
  lengthExcludesHeaderBytes: false,
  maxFrameSize: 65535,
} as const;

/** The size in bytes of each length header and the largest number it can carry. */
export const LENGTH_HEADERS: Readonly<Record<LengthHeader, { size: number; capacity: number }>> = {
  none: { size: 0, capacity: Number.MAX_SAFE_INTEGER },
  binary2: { size: 2, capacity: 0xffff },
  binary4: { size: 4, capacity: 0xffffffff },
  bcd2: { size: 2, capacity: 9999 },
  ascii4: { size: 4, capacity: 9999 },
};

/** Framing options checked and completed with their defaults. */
export interface ResolvedFraming {
  readonly lengthHeader: LengthHeader;
  readonly lengthIncludesHeader: boolean;
  readonly headerBytes: number;
  /** The fixed header bytes the length leaves out: `headerBytes` with `lengthExcludesHeaderBytes`, else 0. */
  readonly uncounted: number;
  /** The size of the length header in bytes. */
  readonly lengthSize: number;
  /** The largest frame (fixed header + message) that the options and the length header both allow. */
  readonly maxFrame: number;
  readonly measure: ((bytes: Buffer) => number | undefined) | undefined;
}

function optionError(option: string, reason: string): Iso8583Error {
  return codecError('ISO8583_ERR_OPTION', reason, { field: option });
}

/** Checks framing options (throws `ISO8583_ERR_OPTION` naming the option) and applies the defaults. */
export function resolveFraming(options: FramingOptions, decoding: boolean): ResolvedFraming {
  if (options === null || typeof options !== 'object') throw optionError('framing', 'framing options must be an object');
  const lengthHeader = options.lengthHeader ?? FRAMING_DEFAULTS.lengthHeader;
  if (!Object.hasOwn(LENGTH_HEADERS, lengthHeader)) {
    throw optionError('lengthHeader', `must be one of ${Object.keys(LENGTH_HEADERS).join(', ')}`);
  }
  const lengthIncludesHeader = options.lengthIncludesHeader ?? FRAMING_DEFAULTS.lengthIncludesHeader;
  if (typeof lengthIncludesHeader !== 'boolean') throw optionError('lengthIncludesHeader', 'must be a boolean');
  const headerBytes = options.headerBytes ?? FRAMING_DEFAULTS.headerBytes;
  if (!Number.isSafeInteger(headerBytes) || headerBytes < 0 || headerBytes > 1024) {
    throw optionError('headerBytes', 'must be an integer from 0 to 1024');
  }
  const excludes = options.lengthExcludesHeaderBytes ?? FRAMING_DEFAULTS.lengthExcludesHeaderBytes;
  if (typeof excludes !== 'boolean') throw optionError('lengthExcludesHeaderBytes', 'must be a boolean');
  const uncounted = excludes ? headerBytes : 0;
  const maxFrameSize = options.maxFrameSize ?? FRAMING_DEFAULTS.maxFrameSize;
  if (!Number.isSafeInteger(maxFrameSize) || maxFrameSize < 1) {
    throw optionError('maxFrameSize', 'must be a positive integer');
  }
  const measure = options.measure;
  if (measure !== undefined && typeof measure !== 'function') throw optionError('measure', 'must be a function');
  if (decoding && lengthHeader === 'none' && measure === undefined) {
    throw optionError('measure', 'is required with lengthHeader "none" (the stream is cut by decoding)');
  }
  const { size, capacity } = LENGTH_HEADERS[lengthHeader];
  const maxFrame = Math.min(maxFrameSize, capacity - (lengthIncludesHeader ? size : 0) + uncounted);
  if (maxFrame <= headerBytes) {
    throw optionError('maxFrameSize', 'leaves no room for a message after the fixed header bytes');
  }
  return { lengthHeader, lengthIncludesHeader, headerBytes, uncounted, lengthSize: size, maxFrame, measure };
}

/**
 * Checks framing options as `FrameDecoder`, `MessageStream` and `encodeFrame` will when they are used (the `measure`
 * of `lengthHeader: "none"` aside: a caller that decodes passes its codec's): throws `ISO8583_ERR_OPTION` with `field`
 * the option at fault, e.g. `maxFrameSize` when it leaves no room for a message after `headerBytes`. Call it where the
 * options are taken (an endpoint's or a connector's creation), so that no connection is the first to find them wrong.
 */
export function checkFraming(options: FramingOptions): void {
  resolveFraming(options, false);
}

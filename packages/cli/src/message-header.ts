/**
 * Where the header a message carries (`"header"`, hex, in JSON; `<header>`, base64, in XML: what `decode` prints) goes
 * on the wire: the one rule of `encode` and `send`, the reverse of `decode`'s.
 */
import type { Dialect } from '@iso8583/codec';
import { cliError } from './args.js';
import type { FrameSettings } from './flags.js';
import { MAX_HEADER_BYTES } from './flags.js';

/** The headers of one message, placed. */
export interface PlacedHeaders {
  /** The dialect's message header (the message's own, when the dialect has a header and the message carries one). */
  dialectHeader: Buffer | undefined;
  /**
   * The fixed frame header: `--header-hex`, else the message's header when the dialect has none; `undefined` for
   * `--header-bytes` zero bytes.
   */
  frameHeader: Buffer | undefined;
  /** The fixed frame header's length: {@link frameHeader}'s, else `--header-bytes` (0 when not given). */
  frameHeaderBytes: number;
  /**
   * The message's header when it is the fixed frame header's (the dialect has none) and `--header-hex` gave another,
   * which wins: `encode` prints `--header-hex`; `send` refuses ({@link refuseDropped}).
   */
  overridden: Buffer | undefined;
}

/**
 * Places `header`, the header a message carries (`undefined`: none), by the rule `decode` reads it with: the
 * dialect's message header when the dialect has one, else the fixed frame header (unless `--header-hex` is given; it
 * must then be `--header-bytes` long, when that is given: `ISO8583_ERR_CLI_INPUT` naming `--header-bytes`).
 * `headerBytesGiven`: whether `--header-bytes` was given.
 */
export function placeHeaders(dialect: Dialect, frame: FrameSettings, headerBytesGiven: boolean, header: Buffer | undefined): PlacedHeaders {
  const out: PlacedHeaders = { dialectHeader: undefined, frameHeader: frame.header, frameHeaderBytes: frame.headerBytes, overridden: undefined };
  if ((dialect.headerLength ?? 0) > 0) {
    out.dialectHeader = header;
    return out;
  }
  if (header === undefined || header.length === 0) return out;
  if (frame.header !== undefined) {
    if (!header.equals(frame.header)) out.overridden = header;
    return out;
  }
  // The message's header is the fixed frame header: --header-bytes, when given, is its length (as decode reads it).
  if (headerBytesGiven && header.length !== frame.headerBytes) {
    throw cliError('ISO8583_ERR_CLI_INPUT', `the header in the input has ${header.length} bytes, --header-bytes says ${frame.headerBytes}`, '--header-bytes');
  }
  out.frameHeader = header;
  out.frameHeaderBytes = header.length;
  return out;
}

/**
 * `send`'s refusal of a message header that would not go out as `encode` prints it, before any socket opens:
 * `ISO8583_ERR_CLI_INPUT` naming `header` for a header `--header-hex` overrides (it would be dropped), a frame header
 * over {@link MAX_HEADER_BYTES}, a dialect header not of the dialect's length, and a dialect header besides a fixed
 * frame header (`--header-bytes`, `--header-hex`), which the connector cannot place (it would go out as zeros; one of
 * zeros is no loss and goes).
 */
export function refuseDropped(placed: PlacedHeaders, dialect: Dialect): void {
  if (placed.overridden !== undefined) {
    throw cliError('ISO8583_ERR_CLI_INPUT',
      `the message's header (${placed.overridden.length} bytes) is the fixed frame header, as the dialect has none, and --header-hex gives ` +
        'another: one of them would be dropped; give the same, or only one', 'header');
  }
  if (placed.frameHeaderBytes > MAX_HEADER_BYTES) {
    throw cliError('ISO8583_ERR_CLI_INPUT',
      `the message's header (${placed.frameHeaderBytes} bytes) is the fixed frame header, as the dialect has none, and a frame header ` +
        `has at most ${MAX_HEADER_BYTES} bytes`, 'header');
  }
  const dialectHeader = placed.dialectHeader;
  if (dialectHeader === undefined) return;
  const length = dialect.headerLength ?? 0;
  if (dialectHeader.length !== length) {
    throw cliError('ISO8583_ERR_CLI_INPUT', `the message's header is the dialect's header, which has ${length} bytes; it has ${dialectHeader.length}`, 'header');
  }
  if (placed.frameHeaderBytes > 0 && dialectHeader.some((b) => b !== 0)) {
    throw cliError('ISO8583_ERR_CLI_INPUT',
      "the message's header is the dialect's header, and send cannot place it besides a fixed frame header (--header-bytes, " +
        '--header-hex): it would go out as zeros; print the frame with iso8583 encode, or leave the fixed frame header out', 'header');
  }
}

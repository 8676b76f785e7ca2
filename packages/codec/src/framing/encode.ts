import { codecError } from '../errors.js';
import type { FramingOptions } from './options.js';
import { resolveFraming } from './options.js';
import { writeLengthHeader } from './length-header.js';
import { bytesArgument } from '../arguments.js';

/**
 * Puts the length header and the fixed header bytes in front of a message (the length counts the fixed header bytes
 * unless `lengthExcludesHeaderBytes`). `header` must have exactly
 * `headerBytes` bytes (absent when `headerBytes` is 0). Throws `ISO8583_ERR_FRAME_TOO_LARGE` when the frame is over
 * `maxFrameSize` or more than the length header can carry, `ISO8583_ERR_OPTION` for bad options, a header of the
 * wrong size, or a payload or header that is not bytes (a string is refused: its length is not its size in bytes).
 */
export function encodeFrame(payload: Uint8Array, options: FramingOptions = {}, header?: Uint8Array): Buffer {
  bytesArgument(payload, 'payload');
  if (header !== undefined) bytesArgument(header, 'header');
  const framing = resolveFraming(options, false);
  const headerLength = header === undefined ? 0 : header.length;
  if (headerLength !== framing.headerBytes) {
    throw codecError(
      'ISO8583_ERR_OPTION',
      `the fixed header has ${headerLength} bytes, the framing expects ${framing.headerBytes}`,
      { field: 'header' },
    );
  }
  const body = headerLength + payload.length;
  if (payload.length === 0) {
    throw codecError('ISO8583_ERR_OPTION', 'an empty message cannot be framed (see encodeKeepAlive)', {
      field: 'payload',
    });
  }
  if (body > framing.maxFrame) {
    throw codecError(
      'ISO8583_ERR_FRAME_TOO_LARGE',
      `a frame of ${body} bytes is over the maximum of ${framing.maxFrame} (${framing.lengthHeader} length header)`,
    );
  }
  const out = Buffer.allocUnsafe(framing.lengthSize + body);
  const counted = body - framing.uncounted + (framing.lengthIncludesHeader ? framing.lengthSize : 0);
  writeLengthHeader(framing.lengthHeader, counted, out, 0);
  if (header !== undefined) out.set(header, framing.lengthSize);
  out.set(payload, framing.lengthSize + headerLength);
  return out;
}

/**
 * A zero-length keep-alive frame (just the length header, carrying 0, or its own size with `lengthIncludesHeader`).
 * Throws `ISO8583_ERR_OPTION` with `lengthHeader: "none"`, which has no way to send one.
 */
export function encodeKeepAlive(options: FramingOptions = {}): Buffer {
  const framing = resolveFraming(options, false);
  if (framing.lengthHeader === 'none') {
    throw codecError('ISO8583_ERR_OPTION', 'a stream without a length header has no keep-alive frame', {
      field: 'lengthHeader',
    });
  }
  const out = Buffer.alloc(framing.lengthSize);
  writeLengthHeader(framing.lengthHeader, framing.lengthIncludesHeader ? framing.lengthSize : 0, out, 0);
  return out;
}

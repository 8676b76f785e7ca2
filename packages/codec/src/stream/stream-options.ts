/** The options of a message stream, and their check (`ISO8583_ERR_OPTION` naming the option). */
import type { Codec } from '../codec-types.js';
import { codecError } from '../errors.js';
import type { Iso8583Error } from '../errors.js';
import type { FramingOptions } from '../framing/frame.js';
import type { ReplyHeaderPolicy } from '../framing/reply-header.js';

/** Options of a {@link MessageStream}. */
export interface MessageStreamOptions {
  /** The framing (length header, fixed header bytes, maximum frame size). Default: `binary2`, no fixed header. */
  framing?: FramingOptions;
  /** The codec of the dialect, for {@link MessageStream.send} and {@link MessageStream.decode}. Default: none. */
  codec?: Codec;
  /**
   * Milliseconds a started frame may take to arrive whole; past it the stream is broken
   * (`ISO8583_ERR_FRAME_READ_TIMEOUT`). Time while reading is paused by the owner does not count. 0 = no limit.
   * An integer from 0 to {@link MAX_READ_TIMEOUT}, else the constructor throws `ISO8583_ERR_OPTION`. Default 0.
   */
  readTimeout?: number;
  /**
   * The fixed header of a reply, from its request's: `swap-tpdu` or `echo` (else the constructor throws
   * `ISO8583_ERR_OPTION`). Default: `swap-tpdu` for a 5-byte header, else `echo`.
   */
  replyHeader?: ReplyHeaderPolicy;
}

/** The largest {@link MessageStreamOptions.readTimeout}: the longest delay a Node.js timer keeps (2^31 - 1 ms, ~24.8 days). */
export const MAX_READ_TIMEOUT = 0x7fffffff;

const REPLY_HEADER_POLICIES: readonly ReplyHeaderPolicy[] = ['swap-tpdu', 'echo'];

function optionError(option: string, reason: string): Iso8583Error {
  return codecError('ISO8583_ERR_OPTION', reason, { field: option });
}

/** Checks the options of a message stream (throws `ISO8583_ERR_OPTION` naming the option); the framing is checked by the decoder. */
export function checkStreamOptions(options: MessageStreamOptions): void {
  if (options === null || typeof options !== 'object') throw optionError('options', 'message stream options must be an object');
  const { readTimeout, replyHeader: policy } = options;
  if (readTimeout !== undefined && (!Number.isSafeInteger(readTimeout) || readTimeout < 0 || readTimeout > MAX_READ_TIMEOUT)) {
    throw optionError('readTimeout', `must be an integer number of milliseconds from 0 to ${MAX_READ_TIMEOUT}`);
  }
  if (policy !== undefined && !REPLY_HEADER_POLICIES.includes(policy)) {
    throw optionError('replyHeader', `must be one of ${REPLY_HEADER_POLICIES.join(', ')}`);
  }
}

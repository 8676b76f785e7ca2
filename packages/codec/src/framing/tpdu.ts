import { bytesArgument } from '../arguments.js';

/**
 * A TPDU (transport protocol data unit, 5 bytes: 1 byte id, 2 bytes destination address, 2 bytes source address)
 * with destination and source swapped, for the reply to a message that came with it. Bytes after the fifth are
 * copied unchanged; a header shorter than 5 bytes is copied unchanged.
 */
export function swapTpdu(header: Uint8Array): Buffer {
  bytesArgument(header, 'header');
  const out = Buffer.from(header);
  if (out.length >= 5) {
    out.set(header.subarray(3, 5), 1);
    out.set(header.subarray(1, 3), 3);
  }
  return out;
}

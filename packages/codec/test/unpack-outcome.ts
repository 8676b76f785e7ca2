/** The outcome of an unpack, to compare two codecs: the message, or the coded error's code, field, offset and words. */
import type { Codec } from '../src/index.js';

/** Unpacks `bytes` with `codec`: `{ message }`, or `{ code, field, offset, words }` of the error thrown. */
export function unpackOutcome(codec: Codec, bytes: Uint8Array): unknown {
  try {
    return { message: codec.unpack(bytes) };
  } catch (err) {
    const e = err as { code?: string; field?: string; offset?: number; message: string };
    return { code: e.code, field: e.field, offset: e.offset, words: e.message };
  }
}

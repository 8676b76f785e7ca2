/** The outcome of a pack, to compare two codecs: the bytes as hex, or the coded error's code, words and problems. */
import type { Codec, IsoMessage } from '../src/index.js';

/** Packs `message` with `codec`: `{ bytes }` (hex), or `{ code, words, problems }` of the error thrown. */
export function packOutcome(codec: Codec, message: unknown): unknown {
  try {
    return { bytes: Buffer.from(codec.pack(message as IsoMessage)).toString('hex') };
  } catch (err) {
    const e = err as { code?: string; message: string; problems?: unknown };
    return { code: e.code, words: e.message, problems: e.problems };
  }
}

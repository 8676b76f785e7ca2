/**
 * The top-level `pack` and `unpack`: a dialect named in their options, its codec made once and kept (a built-in by
 * name, a dialect object while it lives).
 */
import type { Buffer } from 'node:buffer';
import type { Dialect, IsoMessage, MessageInput } from './types.js';
import type { Codec, CodecOptions, PackOptions } from './codec-types.js';
import { createCodec } from './codec.js';
import { BUILTIN_DIALECTS } from './dialect/builtin.js';

/** Codecs of the built-in dialects (by name) and of dialect objects already seen, for the top-level functions. */
const builtinCodecs = new Map<string, Codec>();
const objectCodecs = new WeakMap<Dialect, Codec>();

function cachedCodec(dialect: Dialect | string): Codec {
  if (typeof dialect === 'string') {
    let codec = builtinCodecs.get(dialect);
    if (codec === undefined) {
      codec = createCodec(dialect);
      if (BUILTIN_DIALECTS.includes(dialect)) builtinCodecs.set(dialect, codec);
    }
    return codec;
  }
  let codec = objectCodecs.get(dialect);
  if (codec === undefined) {
    codec = createCodec(dialect);
    objectCodecs.set(dialect, codec);
  }
  return codec;
}

/** Packs a message with a dialect (default `iso87ascii`). */
export function pack(message: MessageInput, options: PackOptions & { dialect?: Dialect | string } = {}): Buffer {
  return cachedCodec(options.dialect ?? 'iso87ascii').pack(message, options);
}

/** Unpacks a wire image with a dialect (default `iso87ascii`). */
export function unpack(bytes: Uint8Array, options: CodecOptions & { dialect?: Dialect | string } = {}): IsoMessage {
  return cachedCodec(options.dialect ?? 'iso87ascii').unpack(bytes, options);
}

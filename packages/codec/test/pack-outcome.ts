/**
 * Pack test helpers: the purchase the pack tests pack; the outcome of a pack, to compare two codecs (the bytes as hex,
 * or the coded error's code, words and problems); a codec warmed until a set of keys has its pack plan, and the plans
 * of a codec (white box).
 */
import { createCodec } from '../src/index.js';
import type { Codec, IsoMessage } from '../src/index.js';
import { PLAN_AFTER } from '../src/field/pack-shapes.js';
import type { PackShapes } from '../src/field/pack-shapes.js';

/**
 * A purchase (0200) of fields that the built-in dialects all have: PAN, processing code, amount, STAN, track 2,
 * terminal, currency, and a short field 55. Test data, no real card.
 */
export const PURCHASE: IsoMessage = {
  '0': '0200',
  '2': '4111111111111111',
  '3': '000000',
  '4': '000000001000',
  '11': '618160',
  '35': '4111111111111111=28121011234567890',
  '41': '00992468',
  '49': '840',
  '55': '9F2608571F1E10D4FA4AAC9F270180',
};

/** Packs `message` with `codec`: `{ bytes }` (hex), or `{ code, words, problems }` of the error thrown. */
export function packOutcome(codec: Codec, message: unknown): unknown {
  try {
    return { bytes: Buffer.from(codec.pack(message as IsoMessage)).toString('hex') };
  } catch (err) {
    const e = err as { code?: string; message: string; problems?: unknown };
    return { code: e.code, words: e.message, problems: e.problems };
  }
}

/** The plans of a codec's message layout (white box: the layout is private to the codec). */
export function plansOf(codec: Codec): PackShapes {
  return (codec as unknown as { layout: { packShapes: PackShapes } }).layout.packShapes;
}

/** A codec of dialect `name` that has packed `message` `times` times (by default until its keys have a plan). */
export function warmed(name: string, message: IsoMessage, times = PLAN_AFTER): Codec {
  const codec = createCodec(name);
  for (let i = 0; i < times; i++) codec.pack(message);
  return codec;
}

/**
 * Readies the pack slab of `w` (the codec's writer) for a check of what one pack leaves past `used`: packs `message`
 * until the slab has room for the next pack (so that it takes no fresh slab), then zeroes the slab past `used`. The
 * slab is `Buffer.allocUnsafe` memory: before this it may hold bytes of freed buffers (earlier images, PANs among them).
 */
export function zeroedSlab(codec: Codec, w: { buf: Buffer; used: number }, message: IsoMessage): void {
  while (w.buf.length - w.used < 8192) codec.pack(message);
  w.buf.fill(0, w.used);
}

/**
 * Helpers of the conformance tests: reading the other implementations' decoded forms of the shared vectors (jPOS
 * XML dumps, pyiso8583 JSON) into the codec's message shape, so that a test compares like with like.
 */
import { readVector } from '@iso8583/test-support';
import { fromXml } from '../src/index.js';
import type { Dialect, IsoMessage } from '../src/index.js';

/** A jPOS `isomsg` dump: the fields as a message, and the message header bytes when the dump has one. */
export interface JposDump {
  message: IsoMessage;
  header: Buffer | undefined;
}

/**
 * Reads a jPOS XML dump (`<isomsg>` with `<header>` in hex, `<field id value [type="binary"]>` and nested
 * `<isomsg id>`) with the codec's own reader, `fromXml`, for the dialect the image was packed with.
 */
export function readJposDump(relative: string, dialect: Dialect): JposDump {
  const { message, header } = fromXml(vectorText(relative), { dialect });
  return { message: message as IsoMessage, header };
}

/**
 * A pyiso8583 decode in the codec's shape: `t` becomes `"0"`, the bitmaps (`p`, and `1` as pyiso8583 names the
 * secondary bitmap) are dropped because the codec computes bitmaps and never shows them.
 */
export function fromPyiso8583(decoded: Record<string, string>): IsoMessage {
  const message: IsoMessage = {};
  for (const [key, value] of Object.entries(decoded)) {
    if (key === 'p' || key === '1') continue;
    message[key === 't' ? '0' : key] = value;
  }
  return message;
}

/** The pyiso8583 decodes of the four jPOS images, by name (`jpos_ISO87APackager`...). */
export function pyiso8583Decodes(): Record<string, Record<string, string>> {
  return JSON.parse(readVector('pyiso8583/decoded_by_pyiso8583.json').toString('utf8')) as Record<
    string,
    Record<string, string>
  >;
}

/** `message` without the listed fields (for comparisons that set known differences aside). */
export function without(message: IsoMessage, keys: string[]): IsoMessage {
  const out: IsoMessage = { ...message };
  for (const k of keys) delete out[k];
  return out;
}

/** The text of a vector file. */
export function vectorText(relative: string): string {
  return readVector(relative).toString('utf8');
}

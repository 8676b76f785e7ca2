/**
 * Helpers of the conformance tests: reading the other implementations' decoded forms of the shared vectors (jPOS
 * XML dumps, pyiso8583 JSON) into the codec's message shape, so that a test compares like with like.
 */
import { XMLParser } from 'fast-xml-parser';
import { readVector } from '@iso8583/test-support';
import type { IsoMessage } from '../src/index.js';

/** A jPOS `isomsg` dump: the fields as a message, and the header (uppercase hex) when the dump has one. */
export interface JposDump {
  message: IsoMessage;
  header: string | undefined;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (tag) => tag === 'field' || tag === 'isomsg',
});

function readIsomsg(node: Record<string, unknown>): JposDump {
  const message: IsoMessage = {};
  const fields = (node.field ?? []) as Record<string, string>[];
  for (const f of fields) {
    const id = f.id;
    const value = f.value;
    if (id === undefined || value === undefined) throw new Error('a jPOS dump field without id or value');
    message[id] = f.type === 'binary' ? value.toUpperCase() : value;
  }
  for (const nested of (node.isomsg ?? []) as Record<string, unknown>[]) {
    const inner = readIsomsg(nested);
    const id = nested.id;
    if (typeof id !== 'string') throw new Error('a nested jPOS isomsg without id');
    message[id] = inner.header === undefined ? inner.message : { header: inner.header, ...inner.message };
  }
  const header = node.header;
  return { message, header: typeof header === 'string' ? header.trim().toUpperCase() : undefined };
}

/** Reads a jPOS XML dump (`<isomsg>` with `<field id value [type="binary"]>` and nested `<isomsg id>`). */
export function readJposDump(relative: string): JposDump {
  const doc = parser.parse(readVector(relative).toString('utf8')) as { isomsg?: Record<string, unknown>[] };
  const root = doc.isomsg?.[0];
  if (root === undefined) throw new Error(`${relative}: no isomsg`);
  return readIsomsg(root);
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

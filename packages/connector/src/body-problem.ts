/**
 * What is wrong with an HTTP request body refused before a route ran: by Fastify (too large, an unknown content type)
 * or by the parsers here (not JSON, a forbidden key, a key given twice in one object, a number written with a decimal
 * point or an exponent, nested too deep, more keys or XML tags than a message can hold),
 * read from the error's `code`, `statusCode` and counts, never from a parser's text (which quotes the body, card data
 * included). The bounds keep a hostile body cheap: it is refused before a message is read from it, so the other
 * clients of the process do not wait. The connector plugin's routes and the console answer with it alike.
 */

import { INEXACT_NUMBER_REASON, MAX_REPEATED_KEYS, TOO_BIG_NUMBER_REASON, maskDigitRuns, maskFreeText, scanRepeatedKeys, withoutBom } from '@iso8583/codec';
import { decodeXmlBody } from './xml-charset.js';

/** The HTTP status and the reason (no body content) of a refused body. */
export interface BodyProblem {
  /** Fastify's 4xx status (400 not JSON, 413 too large, 415 unsupported type), else 500. */
  readonly status: number;
  /** What is wrong, in words (never the body). */
  readonly reason: string;
}

/**
 * The most keys a JSON body may hold, at every level together, with the items of its arrays: a message has at most 192
 * fields (a tertiary bitmap), its composites fewer subfields than that each, and no array. A body with more is refused
 * before any key is named: naming 80,000 unknown keys took half a second and a 3 MB answer, while every other client
 * of the gateway waited.
 */
export const MAX_BODY_KEYS = 1000;

/** The deepest a JSON body may nest objects and arrays: a message with composites and EMV tags is under 10 levels. */
export const MAX_BODY_DEPTH = 32;

/**
 * The most tags an XML body may hold (`<` counted before any parse): two per key of {@link MAX_BODY_KEYS}, and room
 * for a SOAP envelope. Reading 33,000 unknown fields took more than a second.
 */
export const MAX_XML_TAGS = 2 * MAX_BODY_KEYS + 16;

/** What a body parser refused ({@link bodyError}): the forbidden key, or the depth, key count or tag count over its bound. */
interface BodyErrorDetail {
  forbiddenKey?: '__proto__' | 'constructor';
  /** The path of keys of the first key a JSON body gives twice in one object (`["4"]`). */
  repeatedKey?: string[];
  /** The path of keys of the first value a JSON body writes as a number with a decimal point, an exponent or as -0. */
  inexactNumber?: string[];
  /** The path of keys of the first value a JSON body writes in whole digits JSON.parse cannot keep (past 2^53). */
  tooBigNumber?: string[];
  keys?: number;
  /** The items of arrays counted with `keys` (a message holds no array). */
  items?: number;
  depth?: number;
  tags?: number;
  /** An XML body whose first character (after white space) is not `<`: not XML at all. */
  notXml?: boolean;
  /** Why an XML body's bytes cannot be read as text (its charset; `xml-charset.ts`), in words. */
  charset?: string;
}

/** Fastify's default `bodyLimit`, 1048576 bytes (1 MiB): the body limit of a server that sets none (a user's own app). */
export const FASTIFY_BODY_LIMIT = 1024 * 1024;

/**
 * The status and reason of an error Fastify raised while reading a body. `limit`: the body limit of the route that
 * refused it (`request.routeOptions.bodyLimit`), named in the reason of a body too large; default: none known, and the
 * reason names Fastify's `bodyLimit` and its default ({@link FASTIFY_BODY_LIMIT}).
 */
export function bodyProblem(err: unknown, limit?: number): BodyProblem {
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown } & BodyErrorDetail;
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  const code = typeof e.code === 'string' ? e.code : undefined;
  let reason: string;
  // A parser here names what it refused (a key, a depth, a count); any other error is read by its code.
  const refused = status === 400;
  const forbidden = e.forbiddenKey;
  if (refused && (forbidden === '__proto__' || forbidden === 'constructor')) {
    reason = `the body holds the key "${forbidden}", which is refused (it could change the prototype of the objects that read it)`;
  } else if (refused && Array.isArray(e.repeatedKey)) {
    // Key names are field numbers and names; a digit run in one (a card number used as a key) is masked.
    const path = e.repeatedKey.map((k) => maskDigitRuns(String(k)).slice(0, 64)).join('.');
    reason = `the body gives the key "${path}" twice in one object (JSON would keep only the last: a field given twice is refused)`;
  } else if (refused && Array.isArray(e.inexactNumber)) {
    const path = e.inexactNumber.map((k) => maskDigitRuns(String(k)).slice(0, 64)).join('.');
    reason = `the body gives the key "${path}" ${INEXACT_NUMBER_REASON}`;
  } else if (refused && Array.isArray(e.tooBigNumber)) {
    const path = e.tooBigNumber.map((k) => maskDigitRuns(String(k)).slice(0, 64)).join('.');
    reason = `the body gives the key "${path}" ${TOO_BIG_NUMBER_REASON}`;
  } else if (refused && typeof e.depth === 'number') {
    reason = `the body nests ${e.depth} levels deep, more than a message can (at most ${MAX_BODY_DEPTH})`;
  } else if (refused && typeof e.keys === 'number') {
    const what = typeof e.items === 'number' && e.items > 0 ? `${e.keys + e.items} keys and array items` : `${e.keys} keys`;
    reason = `the body holds ${what}, more than a message can (at most ${MAX_BODY_KEYS})`;
  } else if (refused && e.notXml === true) {
    reason = 'the body is sent as XML but does not start with "<" (JSON is sent as application/json)';
  } else if (refused && typeof e.charset === 'string') {
    reason = e.charset;
  } else if (refused && typeof e.tags === 'number') {
    reason = `the body holds ${e.tags} XML tags, more than a message can (at most ${MAX_XML_TAGS})`;
  } else if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') reason = 'the body is not valid JSON';
  else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') reason = tooLarge(limit);
  else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') reason = 'the content type is not JSON, XML or text';
  else reason = status === 500 ? 'internal error' : 'the request cannot be read';
  return { status, reason };
}

/**
 * The reason of a body past its limit, naming the limit in bytes and the option that sets it: Fastify's `bodyLimit` of
 * the server (or route). The gateway has no flag for it: its HTTP port keeps Fastify's default, 1 MiB.
 */
function tooLarge(limit: number | undefined): string {
  if (limit !== undefined && Number.isSafeInteger(limit) && limit > 0) return `the body is larger than its limit, ${limit} bytes (bodyLimit)`;
  return `the body is larger than its limit (bodyLimit: Fastify's default is ${FASTIFY_BODY_LIMIT} bytes)`;
}

/** An object key JSON bodies may not hold: `__proto__`, or `constructor` holding `prototype` (Fastify's own rule). */
function forbiddenKey(value: unknown): '__proto__' | 'constructor' | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__') return key;
    if (key === 'constructor' && inner !== null && typeof inner === 'object' && Object.hasOwn(inner, 'prototype')) return key;
    // Recursion bounded by MAX_BODY_DEPTH: a deeper body was refused before it was parsed.
    const deeper = forbiddenKey(inner);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}

const QUOTE = 0x22;
const OPEN_TAG = 0x3c;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;

/** The index of the first character of `text` at or after `from` that is not JSON whitespace. */
function skipSpace(text: string, from: number): number {
  let i = from;
  for (let c = text.charCodeAt(i); c === SPACE || c === TAB || c === LF || c === CR; c = text.charCodeAt(++i));
  return i;
}

/**
 * The keys (a `:` outside a string follows each), the items of arrays (a message holds none, but each costs
 * `JSON.parse` as a key does: half a million zeros in an array took it half a second) and the deepest nesting of
 * objects and arrays of a JSON text, read in one pass over its characters before `JSON.parse` builds anything: an
 * object of 80,000 keys costs `JSON.parse` alone some 100 ms, and a walk of 100,000 levels would overflow the stack.
 */
function jsonShape(text: string): { keys: number; items: number; depth: number } {
  let keys = 0;
  let items = 0;
  let depth = 0;
  let level = 0;
  let inString = false;
  // Whether each open container, up to the deepest a body may nest, is an array (deeper ones are refused anyway).
  const array = new Uint8Array(MAX_BODY_DEPTH + 2);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === COLON) keys++;
    else if (c === COMMA) {
      if (level > 0 && level < array.length && array[level] === 1) items++;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      level++;
      if (level > depth) depth = level;
      if (level < array.length) array[level] = c === OPEN_ARRAY ? 1 : 0;
      // An array's first item has no comma before it.
      if (c === OPEN_ARRAY && text.charCodeAt(skipSpace(text, i + 1)) !== CLOSE_ARRAY) items++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) level--;
  }
  return { keys, items, depth };
}

/**
 * The 400 error of a body, read by {@link bodyProblem}: empty, or not JSON or refused for `detail` (Fastify's codes, so
 * that the console, which answers Fastify's body errors, answers these alike).
 */
function bodyError(kind: 'empty' | 'invalid' | BodyErrorDetail): Error {
  const code = kind === 'empty' ? 'FST_ERR_CTP_EMPTY_JSON_BODY' : 'FST_ERR_CTP_INVALID_JSON_BODY';
  return Object.assign(new Error('the body is refused'), typeof kind === 'object' ? kind : {}, { code, statusCode: 400 });
}

/**
 * The JSON body parser of the routes (a Fastify content type parser, `parseAs: 'string'`): a body nested deeper than
 * {@link MAX_BODY_DEPTH} or holding more than {@link MAX_BODY_KEYS} keys and array items together is refused naming
 * its depth or count, before it is parsed; then Fastify's rules (a leading byte order mark skipped; empty or malformed
 * JSON refused; `__proto__`, and `constructor` with `prototype`, refused as prototype poisoning, however the key is
 * escaped), with the refused key named in the answer ({@link bodyProblem}); a key given twice in one object, and a
 * value written as a number with a decimal point, an exponent or as -0 (`"4": 25.00`, which `JSON.parse` reads as 25),
 * refused naming its key, and so is a whole number `JSON.parse` cannot keep (past 2^53: a card number read as another).
 */
export function parseJsonBody(_request: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = withoutBom(typeof body === 'string' ? body : body.toString('utf8'));
  if (text === '') return done(bodyError('empty'));
  const { keys, items, depth } = jsonShape(text);
  if (depth > MAX_BODY_DEPTH) return done(bodyError({ depth }));
  if (keys + items > MAX_BODY_KEYS) return done(bodyError({ keys, items }));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return done(bodyError('invalid'));
  }
  // JSON.parse makes `__proto__` an own key (no prototype is changed); it is refused before any route reads it. A key
  // may spell it with escapes (`"\u005f_proto__"`): JSON has no other way to write a letter or `_`.
  const key = /__proto__|constructor|\\u/.test(text) ? forbiddenKey(value) : undefined;
  if (key !== undefined) return done(bodyError({ forbiddenKey: key }));
  // JSON.parse keeps the last of a key given twice (`"4"` twice: the second amount sent); the codec's JSON reader and
  // the XML reader refuse a field given twice, and so does a body. It reads `"4": 25.00` as 25 (25 minor units sent):
  // a number written with a decimal point, an exponent or as -0 is refused as the codec's `fromJson` refuses it.
  const scan = scanRepeatedKeys(text, MAX_REPEATED_KEYS);
  if (scan.named.length > 0) return done(bodyError({ repeatedKey: scan.named[0] }));
  if (scan.inexact.length > 0) return done(bodyError({ inexactNumber: scan.inexact[0] }));
  // It reads a card number sent as a JSON number past 2^53 as another card (6799990100000000018 as ...000): refused.
  if (scan.tooBig.length > 0) return done(bodyError({ tooBigNumber: scan.tooBig[0] }));
  if (value !== null && typeof value === 'object') checkedBodies.add(value);
  done(null, value);
}

/**
 * The XML body parser of the routes (`parseAs: 'buffer'`): the text of its bytes in the charset its `Content-Type` or
 * XML declaration names (UTF-8 or ISO-8859-1; UTF-8 when neither does; another, or two that differ, refused naming
 * them: `decodeXmlBody`), or refused when its first character
 * (after a byte order mark and white space) is not `<` (a JSON body sent as XML would be read as JSON without the JSON
 * bounds above: 72 KB of nested repeated keys held the gateway's event loop 12 s), or naming the count when it holds
 * more than {@link MAX_XML_TAGS} tags, before any XML parser reads it. The count bounds tags, not text: the codec
 * bounds the text (`fromXml`: 1 MiB in the canonical shape its one-pass reader takes, 128 KiB for anything that needs
 * fast-xml-parser, `MAX_PARSED_XML_LENGTH`, at some twenty times the cost per character).
 */
export function parseXmlBody(request: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  let text: string;
  if (typeof body === 'string') text = body;
  else {
    const decoded = decodeXmlBody(body, (request as { headers?: Record<string, unknown> } | null)?.headers?.['content-type']);
    if ('refused' in decoded) return done(bodyError({ charset: decoded.refused }));
    text = decoded.text;
  }
  const detail = xmlShape(text);
  if (detail !== undefined) return done(bodyError(detail));
  done(null, text);
}

/** Why an XML body's text is refused (its first character is not `<`, or more tags than {@link MAX_XML_TAGS}), if it is. */
function xmlShape(text: string): BodyErrorDetail | undefined {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.charCodeAt(skipSpace(text, start)) !== OPEN_TAG) return { notXml: true };
  let tags = 0;
  for (let at = text.indexOf('<'); at >= 0; at = text.indexOf('<', at + 1)) tags++;
  if (tags > MAX_XML_TAGS) return { tags };
  return undefined;
}

/**
 * Why the text of an XML body is refused, in words ({@link bodyProblem}'s reason; never the body), or `undefined`: the
 * checks of {@link parseXmlBody}, for a body another parser produced (an application's own `application/xml` parser,
 * which the routes keep), so that every XML body a route reads passed them, whichever parser read it.
 */
export function xmlBodyRefusal(text: string): string | undefined {
  const detail = xmlShape(text);
  return detail === undefined ? undefined : bodyProblem(bodyError(detail)).reason;
}

/** The media types the routes read as `ISOMessage` XML (each given {@link parseXmlBody} unless the app has a parser of its own). */
export const XML_MEDIA_TYPES: readonly string[] = ['application/xml', 'text/xml', 'application/soap+xml'];

/**
 * The XML media type of a `Content-Type` header (lower-cased, its parameters dropped) when it is one of
 * {@link XML_MEDIA_TYPES}, else `undefined`: a parameter never makes a body XML (`text/plain; profile=xml` is text,
 * read by the text parser, and is no XML message).
 */
export function xmlMediaType(contentType: unknown): string | undefined {
  const type = mediaTypeOf(contentType);
  return XML_MEDIA_TYPES.includes(type) ? type : undefined;
}

/** The media type of a `Content-Type` header: lower-cased, its parameters dropped (`''` when there is none). */
function mediaTypeOf(contentType: unknown): string {
  return String(contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/** The objects {@link parseJsonBody} made: the bodies that passed its checks. */
const checkedBodies = new WeakSet<object>();

/**
 * Why an object body is refused (in words, naming its media type), or `undefined` for one {@link parseJsonBody} made
 * (the routes' parser of `application/json`; the gateway's SocketQueue HTTP port reads every type with it): only it
 * makes the JSON checks (a key given twice, a number written `25.00`, the bounds). An application's own parser of
 * another type (`application/vnd.api+json`, Fastify's default JSON parser) handed the routes an object past them: `"4"`
 * twice sent the last amount. The media type is named as the client wrote it, a card number masked (its groups apart
 * by `%20` too), then characters outside a media type's shown as `?`, then cut at 64 characters.
 */
export function foreignObjectRefusal(body: object, contentType: unknown): string | undefined {
  if (checkedBodies.has(body)) return undefined;
  const type = mediaTypeOf(contentType);
  // Masked first, then cleaned, then cut (as a key is shown): cleaned first, a card number written in `%20` groups
  // lost the escapes the mask reads as separators (`x?204761?207390...`), and its digits were shown.
  const shown = maskFreeText(type).replace(/[^a-z0-9!#$&^_.+*\-/]/g, '?').slice(0, 64);
  return `the body's content type (${shown === '' ? 'none' : shown}) is parsed by the application, not by these routes: send a JSON message as application/json`;
}

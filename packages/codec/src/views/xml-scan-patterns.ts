/**
 * The scanner's path for a list of field ids seen before: one regular expression per list (`idListPattern`), which
 * checks the whole document and captures the header and every value in one native call, where the general path
 * checks with one expression and then takes the values out with a few calls per field. A sequence answers a message
 * type with the same list of ids every time (a WSO2-style sequence that edits the request's XML: its fields, one or
 * two removed, field 39 appended), so a link carries a handful of lists.
 *
 * A list gets its expression when the general path has read it twice in a row (one seen once costs nothing). The
 * last {@link PATTERNS} lists are kept, the most recent first, and a document is tried against the first
 * {@link TRIES} of them: an expression is anchored and fails at the first id that differs, so a miss costs little.
 * The cache holds field numbers and empty message objects, no message data.
 */
import type { MessageInput } from '../types.js';
import type { XmlMessage } from './xml.js';
import { decodeXmlText } from './xml-text.js';
import { idListPattern } from './xml-scan-grammar.js';

/** Lists of ids kept. */
const PATTERNS = 8;
/** Lists a document is tried against. */
const TRIES = 3;

/** One list of ids (in document order, none repeated), its expression and its message object. */
class IdPattern {
  readonly pattern: RegExp;
  /** An object with a key per id, every value empty: cloned by each read. */
  readonly template: MessageInput = {};

  constructor(readonly ids: Int32Array) {
    this.pattern = idListPattern(ids);
    for (let i = 0; i < ids.length; i++) this.template[ids[i]!] = '';
  }

  /** True when this list is the first `count` of `ids`. */
  matches(ids: Int32Array, count: number): boolean {
    const own = this.ids;
    if (own.length !== count) return false;
    for (let i = 0; i < count; i++) if (own[i] !== ids[i]) return false;
    return true;
  }
}

/** The lists of ids seen, their expressions, the most recent first. */
export class IdPatterns {
  private readonly patterns: IdPattern[] = [];
  /** The last list the general path read that has no expression (it gets one when the next list is the same). */
  private pending: Int32Array | undefined;

  /**
   * Reads a document from `at` (after the prolog) with the expression of a list of ids seen before. `undefined` when
   * none of the lists tried is the document's, or a value holds an entity that is not one of XML's own: the general
   * path then reads the document (or hands it over, as it would anyway).
   */
  read(xml: string, at: number): XmlMessage | undefined {
    const patterns = this.patterns;
    const tries = Math.min(TRIES, patterns.length);
    for (let i = 0; i < tries; i++) {
      const entry = patterns[i]!;
      const pattern = entry.pattern;
      pattern.lastIndex = at;
      const match = pattern.exec(xml);
      if (match === null) continue;
      if (i > 0) {
        patterns.splice(i, 1);
        patterns.unshift(entry);
      }
      const ids = entry.ids;
      const message: MessageInput = { ...entry.template };
      const entities = xml.includes('&');
      for (let k = 0; k < ids.length; k++) {
        let value = match[k + 2]!;
        if (entities && value.includes('&')) {
          const decoded = decodeXmlText(value);
          if (decoded === undefined) return undefined;
          value = decoded;
        }
        message[ids[k]!] = value;
      }
      const header = match[1];
      return header === undefined ? { message } : { message, header: Buffer.from(header, 'base64') };
    }
    return undefined;
  }

  /**
   * The general path read a document with the ids `ids[0 .. count)` (in document order, none repeated): the list
   * goes first when it is kept, and gets its expression when it is the list of the document before too.
   */
  seen(ids: Int32Array, count: number): void {
    const patterns = this.patterns;
    for (let i = 0; i < patterns.length; i++) {
      const entry = patterns[i]!;
      if (!entry.matches(ids, count)) continue;
      if (i > 0) {
        patterns.splice(i, 1);
        patterns.unshift(entry);
      }
      return;
    }
    const pending = this.pending;
    if (pending === undefined || pending.length !== count || !sameIds(pending, ids, count)) {
      this.pending = ids.slice(0, count);
      return;
    }
    this.pending = undefined;
    patterns.unshift(new IdPattern(pending));
    if (patterns.length > PATTERNS) patterns.pop();
  }
}

function sameIds(a: Int32Array, b: Int32Array, count: number): boolean {
  for (let i = 0; i < count; i++) if (a[i] !== b[i]) return false;
  return true;
}

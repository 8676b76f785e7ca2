/**
 * The usual message for `toXml` written as bytes: for a known list of keys (`xml-write-shapes.ts`) and a known set of
 * value lengths, the whole document is kept as Latin-1 bytes with a blank where each value goes. Writing a message of
 * that shape and those lengths copies each value's characters into a working copy of those bytes (checking each one
 * as the plain path does), reads the copy out as one string (one native call) and restores the copy from the blank
 * markup, so that no value stays behind in the cache.
 *
 * What it buys is a flat string: a concatenation gives a rope, and whoever reads the XML next (a sequence's
 * `replace`, `indexOf`, a regular expression, the scanner) first copies the rope into one string, which measured as
 * much as building it. On a link the lengths repeat (fixed fields; a card's PAN and track 2), so a template is made
 * only for lengths seen twice in a row, and a shape keeps the last {@link TEMPLATES} sets of lengths.
 *
 * Values that are not plain text (they need escaping, or XML cannot carry them) or hold a character above U+00FF
 * make the write answer `undefined`; the caller then writes the message the plain or the general way, which gives
 * the same text or the documented refusal.
 */
import { latin1 } from '../encoding/ascii.js';

/** What a template's write answers for a message of other lengths. */
const MISFIT = null;

/** Sets of value lengths kept per shape (the most recent first). */
const TEMPLATES = 4;

/** What a template needs of its shape and layout. */
export interface TemplateLayout {
  /** The field numbers, ascending. */
  readonly ids: readonly number[];
  /** Before value i: `</field>` and the line end of the value before (none before the first), then `<field id="N">`. */
  readonly before: readonly string[];
  /** The indent of one level (two spaces, or none for the compact layout). */
  readonly step: string;
  /** The line end after an element. */
  readonly nl: string;
}

/**
 * The lengths of a message's `<header>` text (slot 0: its base64 length, or -1 for none) and values (slot i + 1 for
 * field `ids[i]`); `undefined` when a value is not a string.
 */
function lengthsOf(message: Record<number, unknown>, ids: readonly number[], header: string | undefined): Int32Array | undefined {
  const lengths = new Int32Array(ids.length + 1);
  lengths[0] = header === undefined ? -1 : header.length;
  for (let i = 0; i < ids.length; i++) {
    const value = message[ids[i]!];
    if (typeof value !== 'string') return undefined;
    lengths[i + 1] = value.length;
  }
  return lengths;
}

function sameLengths(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One document layout with its values' places: where each starts (slots as {@link lengthsOf}) and how long it is. */
class ByteTemplate {
  /** The document with a space where each value goes; never written. */
  private readonly markup: Buffer;
  /** A copy of `markup` that a write fills with values and restores before it returns. */
  private readonly work: Buffer;
  private readonly starts: Int32Array;

  constructor(
    readonly lengths: Int32Array,
    layout: TemplateLayout,
  ) {
    const { before, step, nl } = layout;
    const starts = new Int32Array(lengths.length).fill(-1);
    let text = `<ISOMessage>${nl}`;
    if (lengths[0]! >= 0) {
      text += `${step}<header>`;
      starts[0] = text.length;
      text += `${' '.repeat(lengths[0]!)}</header>${nl}`;
    }
    text += `${step}<data>${nl}`;
    for (let i = 0; i < before.length; i++) {
      text += before[i]!;
      starts[i + 1] = text.length;
      text += ' '.repeat(lengths[i + 1]!);
    }
    text += `</field>${nl}${step}</data>${nl}</ISOMessage>`;
    this.markup = Buffer.alloc(text.length, text, 'latin1');
    this.work = Buffer.alloc(text.length, text, 'latin1');
    this.starts = starts;
  }

  /**
   * The document of a message whose header (base64, or `undefined`) and values have this template's lengths;
   * {@link MISFIT} when they do not (a value not a string, or of another length), `undefined` when a value is not
   * plain text (as the plain path's `isPlainText`: no `& < > "`, no control character but tab and line feed) or
   * holds a character above U+00FF.
   */
  write(message: Record<number, unknown>, ids: readonly number[], header: string | undefined): string | typeof MISFIT | undefined {
    const lengths = this.lengths;
    if (lengths[0] !== (header === undefined ? -1 : header.length)) return MISFIT;
    // Every length first: a misfit is found before any value is copied into the template.
    for (let i = 0; i < ids.length; i++) {
      const value = message[ids[i]!];
      if (typeof value !== 'string' || value.length !== lengths[i + 1]) return MISFIT;
    }
    const work = this.work;
    const starts = this.starts;
    if (header !== undefined) {
      // Base64 characters: plain by construction.
      let at = starts[0]!;
      for (let j = 0; j < header.length; j++) work[at++] = header.charCodeAt(j);
    }
    for (let i = 0; i < ids.length; i++) {
      const value = message[ids[i]!] as string;
      let at = starts[i + 1]!;
      for (let j = 0; j < value.length; j++) {
        const c = value.charCodeAt(j);
        if (c < 0x20 ? c !== 0x09 && c !== 0x0a : c === 0x26 || c === 0x3c || c === 0x3e || c === 0x22 || c > 0xff) {
          work.set(this.markup);
          return undefined;
        }
        work[at++] = c;
      }
    }
    const text = latin1(work, work.length);
    work.set(this.markup);
    return text;
  }
}

/** The byte templates of one shape, by lengths. */
export class ByteTemplates {
  private readonly templates: ByteTemplate[] = [];
  /** The lengths of the last message that fitted no template (a template is made when the next one has them too). */
  private pending: Int32Array | undefined;

  /**
   * The document of `message` (its keys are exactly `layout.ids`) with `header` (base64, or `undefined` for none)
   * from a template of its lengths; `undefined` when there is none yet or a value needs another path.
   */
  write(message: Record<number, unknown>, layout: TemplateLayout, header: string | undefined): string | undefined {
    const ids = layout.ids;
    if (ids.length === 0) return undefined;
    const templates = this.templates;
    for (let i = 0; i < templates.length; i++) {
      const template = templates[i]!;
      const text = template.write(message, ids, header);
      if (text === MISFIT) continue;
      if (i > 0) {
        templates.splice(i, 1);
        templates.unshift(template);
      }
      return text;
    }
    const lengths = lengthsOf(message, ids, header);
    if (lengths === undefined) return undefined;
    if (this.pending === undefined || !sameLengths(this.pending, lengths)) {
      this.pending = lengths;
      return undefined;
    }
    this.pending = undefined;
    const template = new ByteTemplate(lengths, layout);
    templates.unshift(template);
    if (templates.length > TEMPLATES) templates.pop();
    const text = template.write(message, ids, header);
    return text === MISFIT ? undefined : text;
  }
}

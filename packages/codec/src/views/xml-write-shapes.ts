/**
 * The usual message for `toXml`, written from a template: a link carries a handful of message shapes (the same field
 * ids in the same order), so for each list of keys seen the writer keeps the markup between the values, made once:
 * `<field id="N">` after the indent, and `</field>` with the line end before the next one. A message of a known shape
 * whose values are all plain text is then written as markup, value, markup, ... with nothing parsed, sorted or looked
 * up per field, and as a rope of half the pieces (which the first search of the text copies together again).
 *
 * A shape also keeps byte templates of whole documents (`xml-write-template.ts`), which give the XML as one flat
 * string.
 *
 * The cache is bounded ({@link SLOTS} lists per layout, a newer one takes the place of the oldest) and holds no message
 * data: only field ids and markup.
 */
import { ByteTemplates } from './xml-write-template.js';
import type { TemplateLayout } from './xml-write-template.js';

/** Lists of keys remembered per layout. */
const SLOTS = 8;

/** The markup of one list of keys. */
export class WriteShape implements TemplateLayout {
  /** The byte templates of this shape's documents. */
  readonly templates = new ByteTemplates();
  /** True when field 55 is among the keys (the EMV view writes it as tags: not from a template). */
  readonly hasEmv: boolean;

  constructor(
    /** The keys as `Object.keys` gives them (ascending field numbers, none of them `"1"`). */
    readonly keys: readonly string[],
    /** The field numbers of `keys`. */
    readonly ids: readonly number[],
    /** Before value i: `</field>` and the line end of the value before (none before the first), then `<field id="N">`. */
    readonly before: readonly string[],
    readonly step: string,
    readonly nl: string,
  ) {
    this.hasEmv = ids.includes(55);
  }

  matches(keys: readonly string[]): boolean {
    const own = this.keys;
    if (own.length !== keys.length) return false;
    for (let i = 0; i < own.length; i++) if (own[i] !== keys[i]) return false;
    return true;
  }
}

/** The shapes of one layout (pretty or compact): the most recent first. */
export class WriteShapes {
  private readonly shapes: WriteShape[] = [];

  /** The indent of a top-level field. */
  private readonly indent: string;

  constructor(
    /** The indent of one level. */
    private readonly step: string,
    /** The line end after an element. */
    private readonly nl: string,
  ) {
    this.indent = step + step;
  }

  /**
   * The shape of `keys` (made on first sight), or `undefined` when a key is not a field number in canonical form, is
   * `"1"` (the bitmap, never shown), or the keys do not ascend: such a message takes the general path.
   */
  find(keys: readonly string[]): WriteShape | undefined {
    const shapes = this.shapes;
    for (let i = 0; i < shapes.length; i++) {
      const shape = shapes[i]!;
      if (shape.matches(keys)) {
        if (i > 0) {
          shapes.splice(i, 1);
          shapes.unshift(shape);
        }
        return shape;
      }
    }
    const ids: number[] = [];
    const before: string[] = [];
    let previous = -1;
    for (const key of keys) {
      const id = fieldNumber(key);
      if (id < 0 || id === 1 || id <= previous) return undefined;
      previous = id;
      before.push(`${ids.length === 0 ? '' : `</field>${this.nl}`}${this.indent}<field id="${id}">`);
      ids.push(id);
    }
    const shape = new WriteShape([...keys], ids, before, this.step, this.nl);
    shapes.unshift(shape);
    if (shapes.length > SLOTS) shapes.pop();
    return shape;
  }
}

/** The number of a field id (a field number without sign or leading zero, as `FIELD_ID`); -1 for any other key. */
export function fieldNumber(id: string): number {
  const length = id.length;
  if (length === 0 || length > 3 || (length > 1 && id.charCodeAt(0) === 0x30)) return -1;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const digit = id.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

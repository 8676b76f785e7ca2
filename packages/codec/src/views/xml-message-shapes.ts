/**
 * Message objects for the XML scanner, by the list of field ids a document holds (in its order: a WSO2-style sequence
 * that appends field 39 before `</data>` sends them out of order, always the same way). A link carries a handful of
 * message shapes, so for each list of ids seen the scanner keeps an object with those keys (values empty) and clones
 * it: one copy of a ready-sized store instead of growing a new object field by field (most of a scan's time went
 * there).
 *
 * The cache is bounded ({@link SLOTS} lists, a newer one takes the slot of an older one) and holds no message data:
 * only field numbers and empty strings.
 */
import type { MessageInput } from '../types.js';

/** Lists of ids remembered (a power of 2). */
const SLOTS = 64;

/** One list of field ids seen (in document order, none repeated), and its object. */
class IdShape {
  constructor(
    readonly ids: Int32Array,
    /** An object with a key per id, every value empty: cloned by each scan. */
    readonly template: MessageInput,
  ) {}

  /** True when this shape's ids are the first `count` of `ids`. */
  matches(ids: Int32Array, count: number): boolean {
    const own = this.ids;
    if (own.length !== count) return false;
    for (let i = 0; i < count; i++) if (own[i] !== ids[i]) return false;
    return true;
  }
}

/** The shapes seen, by a hash of their ids. */
export class IdShapes {
  private readonly slots: (IdShape | undefined)[] = new Array<IdShape | undefined>(SLOTS).fill(undefined);

  /**
   * A new message object with a key per id (`ids[0 .. count)` in document order, hashed to `hash` by
   * {@link hashId}), every value an empty string for the caller to fill; `undefined` when an id is repeated.
   */
  create(ids: Int32Array, count: number, hash: number): MessageInput | undefined {
    const slot = (hash >>> 16) & (SLOTS - 1);
    let shape = this.slots[slot];
    if (shape === undefined || !shape.matches(ids, count)) {
      const template: MessageInput = {};
      for (let i = 0; i < count; i++) {
        if (template[ids[i]!] !== undefined) return undefined;
        template[ids[i]!] = '';
      }
      shape = new IdShape(ids.slice(0, count), template);
      this.slots[slot] = shape;
    }
    return { ...shape.template };
  }
}

/** The hash of a list of ids so far (`hash`, start with 0) with `id` added. */
export function hashId(hash: number, id: number): number {
  return Math.imul(hash ^ (id + 1), 0x9e3779b1);
}

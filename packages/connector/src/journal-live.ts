/**
 * The file journal's live entries (added and not yet done), each as its `add` line: what a compaction writes. Kept in
 * the order they were first added (a list beside a `DictionaryMap` by id), with the bytes their lines take in a
 * compacted file counted as they change, so that no turn of the event loop walks every entry:
 * - a compaction (at open, and while running) takes a {@link LiveSnapshot}: the lines as they were when it was taken,
 *   walked a chunk at a time across turns while appends go on. A line changed or an entry done meanwhile, before the
 *   walk reached it, keeps its line as it was for the walk (copy on write), so the snapshot is the state of one instant,
 *   to which the records carried after it (journal-writes.ts `carried`) apply exactly once: an entry added or done
 *   during the walk is in the carried records, never also (or only) in the snapshot. Listing them all at once from the
 *   map (`Object.values` of 100,000 keys) held one turn for about 110 ms;
 * - whether a compaction at growth is worth it reads {@link LiveLines.bytes} (counting the lines took about 60 ms at
 *   100,000).
 */
import { DictionaryMap } from '@iso8583/codec';

/** One live entry in the list, in the order first added. */
interface Slot {
  readonly id: string;
  line: string;
  /** Its place in the order of adds: the snapshot holds the slots up to its own. */
  readonly seq: number;
  prev: Slot | undefined;
  next: Slot | undefined;
  /** Its line as the snapshot being walked saw it, kept when it changed before the walk reached it. */
  kept: string | undefined;
  /** Done before the walk reached it: left in the list for the walk, which unlinks it. */
  gone: boolean;
}

/** The bytes `line` takes in a compacted file (ended by a newline). */
function lineBytes(line: string): number {
  return Buffer.byteLength(line) + 1;
}

/** The live lines as they were when taken, walked a chunk at a time (see the module comment). */
export interface LiveSnapshot {
  /** The next lines of the snapshot, at most `max`, in the order first added; `undefined` once all were taken. */
  take(max: number): string[] | undefined;
}

/** The walk of the snapshot in progress. */
interface Walk {
  /** The last slot of the snapshot (by `seq`). */
  readonly upTo: number;
  /** The `seq` of the last slot taken. */
  taken: number;
  /** The next slot to take. */
  cursor: Slot | undefined;
}

/** The live entries' lines by id, in the order first added (see the module comment). */
export class LiveLines {
  private readonly byId = new DictionaryMap<Slot>();
  private head: Slot | undefined;
  private tail: Slot | undefined;
  private seq = 0;
  private total = 0;
  private walk: Walk | undefined;

  /** Entries held. */
  get size(): number {
    return this.byId.size;
  }

  /** The bytes their lines take in a compacted file (each line and its newline). */
  get bytes(): number {
    return this.total;
  }

  /** The line of entry `id`, if live. */
  get(id: string): string | undefined {
    return this.byId.get(id)?.line;
  }

  /** Sets the line of entry `id`: in its place when live, else it goes last. */
  set(id: string, line: string): this {
    const slot = this.byId.get(id);
    if (slot !== undefined) {
      this.keep(slot);
      this.total += lineBytes(line) - lineBytes(slot.line);
      slot.line = line;
      return this;
    }
    const added: Slot = { id, line, seq: ++this.seq, prev: this.tail, next: undefined, kept: undefined, gone: false };
    if (this.tail === undefined) this.head = added;
    else this.tail.next = added;
    this.tail = added;
    this.byId.set(id, added);
    this.total += lineBytes(line);
    return this;
  }

  /** Entry `id` is done; true when it was live. */
  delete(id: string): boolean {
    const slot = this.byId.get(id);
    if (slot === undefined) return false;
    this.byId.delete(id);
    this.total -= lineBytes(slot.line);
    if (this.pending(slot)) {
      // The walk has yet to take it: it stays in the list until then, with its line as it was.
      this.keep(slot);
      slot.gone = true;
    } else {
      this.unlink(slot);
    }
    return true;
  }

  /** Drops every entry (a walk in progress ends: it takes nothing more). */
  clear(): void {
    this.byId.clear();
    this.head = undefined;
    this.tail = undefined;
    this.total = 0;
    if (this.walk !== undefined) this.walk.cursor = undefined;
    this.walk = undefined;
  }

  /**
   * The lines as they are now, to be taken a chunk at a time across turns (see the module comment). One walk at a
   * time: a new one ends the one before (its lines not taken are no longer given).
   */
  snapshot(): LiveSnapshot {
    this.end();
    const walk: Walk = { upTo: this.seq, taken: 0, cursor: this.head };
    this.walk = walk;
    return { take: (max) => this.take(walk, max) };
  }

  private take(walk: Walk, max: number): string[] | undefined {
    if (this.walk !== walk) return undefined;
    const lines: string[] = [];
    while (lines.length < max && walk.cursor !== undefined && walk.cursor.seq <= walk.upTo) {
      const slot = walk.cursor;
      walk.cursor = slot.next;
      walk.taken = slot.seq;
      lines.push(slot.kept ?? slot.line);
      slot.kept = undefined;
      if (slot.gone) this.unlink(slot);
    }
    if (walk.cursor === undefined || walk.cursor.seq > walk.upTo) {
      this.walk = undefined;
      if (lines.length === 0) return undefined;
    }
    return lines;
  }

  /** Ends the walk in progress, if any: the slots it has yet to take drop what they kept for it. */
  private end(): void {
    const walk = this.walk;
    if (walk === undefined) return;
    this.walk = undefined;
    for (let slot = walk.cursor; slot !== undefined && slot.seq <= walk.upTo; ) {
      const next = slot.next;
      slot.kept = undefined;
      if (slot.gone) this.unlink(slot);
      slot = next;
    }
  }

  /** True when the walk in progress has yet to take `slot`. */
  private pending(slot: Slot): boolean {
    const walk = this.walk;
    return walk !== undefined && slot.seq > walk.taken && slot.seq <= walk.upTo;
  }

  /** Keeps the line of `slot` as the walk is to see it, before it changes (once: the first change after the snapshot). */
  private keep(slot: Slot): void {
    if (slot.kept === undefined && this.pending(slot)) slot.kept = slot.line;
  }

  private unlink(slot: Slot): void {
    if (slot.prev === undefined) this.head = slot.next;
    else slot.prev.next = slot.next;
    if (slot.next === undefined) this.tail = slot.prev;
    else slot.next.prev = slot.prev;
    slot.prev = undefined;
    slot.next = undefined;
  }
}

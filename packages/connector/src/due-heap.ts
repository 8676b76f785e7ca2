/**
 * A binary min-heap of items by when each is due (a number: a time), each item held once and its place in the heap
 * kept beside it: the earliest is read in O(1), and an item is added, moved to another time or taken out in
 * O(log n). What the SAF queue keeps of its entries waiting for a timer (saf-active.ts), so that reading when the next
 * one is due walks none of them.
 */

/** Items by when each is due (see the file's note). */
export class DueHeap<T> {
  /** The items in heap order: the item at `i` is due no later than those at `2i + 1` and `2i + 2`. */
  private readonly items: T[] = [];
  /** When each item of `items` is due, at the same place. */
  private readonly dues: number[] = [];
  /** Each item's place in `items`. */
  private readonly places = new Map<T, number>();

  /** How many items it holds. */
  get size(): number {
    return this.items.length;
  }

  /** When the earliest item is due; Infinity when it holds none. */
  get earliest(): number {
    return this.dues.length === 0 ? Infinity : (this.dues[0] as number);
  }

  /** Holds `item` as due at `due`: added, or moved there when it is held already. */
  set(item: T, due: number): void {
    const at = this.places.get(item);
    if (at === undefined) {
      this.items.push(item);
      this.dues.push(due);
      this.places.set(item, this.items.length - 1);
      this.up(this.items.length - 1);
      return;
    }
    const was = this.dues[at] as number;
    this.dues[at] = due;
    if (due < was) this.up(at);
    else this.down(at);
  }

  /** Takes `item` out; false when it was not held. */
  delete(item: T): boolean {
    const at = this.places.get(item);
    if (at === undefined) return false;
    this.places.delete(item);
    const lastItem = this.items.pop() as T;
    const lastDue = this.dues.pop() as number;
    if (at < this.items.length) {
      // The last item fills the hole, then goes up or down to its place.
      this.put(at, lastItem, lastDue);
      this.up(at);
      this.down(at);
    }
    return true;
  }

  private put(at: number, item: T, due: number): void {
    this.items[at] = item;
    this.dues[at] = due;
    this.places.set(item, at);
  }

  private up(at: number): void {
    const item = this.items[at] as T;
    const due = this.dues[at] as number;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const parentDue = this.dues[parent] as number;
      if (parentDue <= due) break;
      this.put(at, this.items[parent] as T, parentDue);
      at = parent;
    }
    this.put(at, item, due);
  }

  private down(at: number): void {
    const n = this.items.length;
    const item = this.items[at] as T;
    const due = this.dues[at] as number;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (this.dues[right] as number) < (this.dues[left] as number) ? right : left;
      const childDue = this.dues[child] as number;
      if (childDue >= due) break;
      this.put(at, this.items[child] as T, childDue);
      at = child;
    }
    this.put(at, item, due);
  }
}

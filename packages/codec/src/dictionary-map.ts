/**
 * A `Map` by string key kept in a null-prototype object, for maps that gain and lose an entry per request (a channel's
 * requests awaiting their answer; a journal's open entries; the host simulator's indexes): what the garbage collector
 * does with a `Map` there.
 *
 * A `Map` that has an entry added and one deleted for every request never stays the same table: V8 appends each new
 * entry and only marks a deleted one, so it rehashes into a new table every few hundred requests, and it leaves the
 * table it replaced pointing at its successor (for iterators still open on it) and still holding the entries it had.
 * The table current at a full collection is promoted to the old generation (V8 promotes every live young object then);
 * once it is replaced, dead, its link to the young successor is a root for every scavenge until the next full
 * collection. So each later table, and every request it held (its decoded message, frame, closures: about 3 KiB),
 * survived two scavenges and was promoted: measured in the gateway, 3.0 KB promoted per transaction and scavenges of
 * 11 ms where a quarter of that was due. An object's dictionary, rehashed, keeps no link to the new one: a request
 * now lives as long as it is in flight (30 B promoted per transaction).
 *
 * It is a `Map<string, V>` in every way but one: it iterates keys that are canonical array indices (`"0"`, `"17"`)
 * first, in numeric order, then the others in the order they were first set (a `Map`: all in that order). `undefined`
 * is not a value it holds: setting it deletes the key. Iterating it while setting or deleting sees the entries as they
 * were when the iteration began.
 */
export class DictionaryMap<V> implements Map<string, V> {
  #byKey: Record<string, V | undefined> = Object.create(null) as Record<string, V | undefined>;
  #size = 0;

  /** Entries held. */
  get size(): number {
    return this.#size;
  }

  /** The value of `key`, if any. */
  get(key: string): V | undefined {
    return this.#byKey[key];
  }

  /** True when `key` has a value. */
  has(key: string): boolean {
    return this.#byKey[key] !== undefined;
  }

  /** Sets `key` to `value` (`undefined`: deletes it). */
  set(key: string, value: V): this {
    if (value === undefined) {
      this.delete(key);
      return this;
    }
    if (this.#byKey[key] === undefined) this.#size++;
    this.#byKey[key] = value;
    return this;
  }

  /** Deletes `key`; true when it had a value. */
  delete(key: string): boolean {
    if (this.#byKey[key] === undefined) return false;
    delete this.#byKey[key];
    this.#size--;
    return true;
  }

  /** Deletes every entry. */
  clear(): void {
    this.#byKey = Object.create(null) as Record<string, V | undefined>;
    this.#size = 0;
  }

  /** Calls `fn` with each entry (as `Map.prototype.forEach`). */
  forEach(fn: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) fn.call(thisArg, value, key, this);
  }

  /** The entries, as they are now. */
  entries(): MapIterator<[string, V]> {
    return (Object.entries(this.#byKey) as [string, V][])[Symbol.iterator]();
  }

  /** The keys, as they are now. */
  keys(): MapIterator<string> {
    return Object.keys(this.#byKey)[Symbol.iterator]();
  }

  /** The values, as they are now. */
  values(): MapIterator<V> {
    return (Object.values(this.#byKey) as V[])[Symbol.iterator]();
  }

  /** The entries, as they are now. */
  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  /** `Map`'s tag. */
  readonly [Symbol.toStringTag] = 'Map';
}

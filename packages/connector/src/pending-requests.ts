/**
 * A channel's requests awaiting their response, by match key: set when written, deleted when answered, timed out or
 * failed. Kept in a null-prototype object, not a `Map`, for what the garbage collector does with it.
 *
 * A `Map` that has an entry added and one deleted for every request never stays the same table: V8 appends each new
 * entry and only marks a deleted one, so it rehashes into a new table every few hundred requests, and it leaves the
 * table it replaced pointing at its successor (for iterators still open on it) and still holding the entries it had.
 * The table current at a full collection is promoted to the old generation (V8 promotes every live young object then);
 * once it is replaced, dead, its link to the young successor is a root for every scavenge until the next full
 * collection. So each later table, and every request it held (its decoded message, frame, closures: about 3 KiB),
 * survived two scavenges and was promoted: measured in the gateway, 3.0 KB promoted per transaction and scavenges of
 * 11 ms where a quarter of that was due. An object's dictionary, rehashed, keeps no link to the new one: a request
 * now lives as long as it is in flight (33 B promoted per transaction).
 */
export class PendingRequests<T> {
  #byKey: Record<string, T | undefined> = Object.create(null) as Record<string, T | undefined>;
  #size = 0;

  /** Requests held. */
  get size(): number {
    return this.#size;
  }

  /** The request of `key`, if any. */
  get(key: string): T | undefined {
    return this.#byKey[key];
  }

  /** True when a request of `key` is held. */
  has(key: string): boolean {
    return this.#byKey[key] !== undefined;
  }

  /** Holds `request` under `key` (in place of any other). */
  set(key: string, request: T): void {
    if (this.#byKey[key] === undefined) this.#size++;
    this.#byKey[key] = request;
  }

  /** Lets the request of `key` go; true when there was one. */
  delete(key: string): boolean {
    if (this.#byKey[key] === undefined) return false;
    delete this.#byKey[key];
    this.#size--;
    return true;
  }

  /** The requests held now (a copy: the caller may delete while it goes through them). */
  values(): T[] {
    return Object.values(this.#byKey) as T[];
  }

  /** Lets every request go. */
  clear(): void {
    this.#byKey = Object.create(null) as Record<string, T | undefined>;
    this.#size = 0;
  }
}

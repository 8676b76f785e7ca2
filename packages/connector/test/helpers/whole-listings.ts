/**
 * Counts the listings of a whole large collection in one call: `Object.values`, `Object.keys` and `Object.entries`
 * (what a `DictionaryMap`'s `values()`, `keys()` and `entries()` are) giving more than `min` items. A walk of every
 * open entry in one turn of the event loop shows here, whatever the code around it: the tests of a journal with many
 * open entries count them, not time them.
 */

/** A count of whole listings, from now until `stop()` (which restores the functions and gives the count). */
export function countWholeListings(min: number): { stop(): number } {
  const originals = { values: Object.values, keys: Object.keys, entries: Object.entries };
  let count = 0;
  const counted = <F extends (o: object) => unknown[]>(f: F): F =>
    ((o: object) => {
      const items = f(o);
      if (items.length > min) count += 1;
      return items;
    }) as F;
  Object.values = counted(originals.values);
  Object.keys = counted(originals.keys);
  Object.entries = counted(originals.entries);
  return {
    stop: () => {
      Object.assign(Object, originals);
      return count;
    },
  };
}

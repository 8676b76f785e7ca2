/**
 * Counts the entries the maps and sets held by `owner` (its own fields, private ones too) yield when iterated from now:
 * the work a lookup does, counted rather than timed (a cost test is deterministic on a busy machine). Returns the count
 * so far.
 */
export function countVisits(owner: object): () => number {
  let visits = 0;
  for (const value of Object.values(owner as Record<string, unknown>)) {
    if (!(value instanceof Map) && !(value instanceof Set) && !isDictionaryMap(value)) continue;
    const iterable = value as Record<string | symbol, unknown>;
    for (const name of [Symbol.iterator, 'entries', 'keys', 'values'] as const) {
      const original = iterable[name] as (() => Iterator<unknown>) | undefined;
      if (typeof original !== 'function') continue;
      iterable[name] = function* counted(this: unknown): Generator<unknown> {
        for (const item of { [Symbol.iterator]: () => original.call(value) }) {
          visits++;
          yield item;
        }
      };
    }
    const forEach = iterable.forEach as ((f: (...a: unknown[]) => void) => void) | undefined;
    if (typeof forEach === 'function') {
      iterable.forEach = (f: (...a: unknown[]) => void) => forEach.call(value, (...a: unknown[]) => {
        visits++;
        f(...a);
      });
    }
  }
  return () => visits;
}

function isDictionaryMap(value: unknown): boolean {
  return typeof value === 'object' && value !== null && value.constructor?.name === 'DictionaryMap';
}

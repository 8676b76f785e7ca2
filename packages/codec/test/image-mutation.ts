/**
 * Mutating a valid message image for the fuzz tests (codec-fuzz and compiled-unpack-fuzz): the mutations
 * (a byte changed, the image cut, a byte inserted, a byte dropped), applying them, and how many runs a property gets.
 */
import fc from 'fast-check';

/** One change to an image; `at` is taken modulo the image's length, `value` is the byte written or inserted. */
export interface Mutation {
  kind: 'flip' | 'cut' | 'insert' | 'drop';
  at: number;
  value: number;
}

/**
 * One to `maxLength` mutations. `flipWeight` (default 1) is how much likelier a changed byte is than each of the other
 * kinds (3: a changed byte half the time).
 */
export function mutationsArbitrary(maxLength: number, flipWeight = 1): fc.Arbitrary<Mutation[]> {
  const mutation = fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), weight: flipWeight },
    { arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), value: fc.constant(0) }), weight: 1 },
  );
  return fc.array(mutation, { minLength: 1, maxLength });
}

/** A copy of `image` with the mutations applied in order (an image emptied by a cut stays empty). */
export function mutate(image: Uint8Array, mutations: readonly Mutation[]): Buffer {
  let out = Buffer.from(image);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at] = m.value;
    else if (m.kind === 'cut') out = out.subarray(0, at);
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from([m.value]), out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
  }
  return out;
}

/**
 * A check generated at build time against a compile of the same schema (@iso8583/codec/precompiled-check): on values
 * of every kind for each property of an object schema, the same problems and the same value afterwards (defaults
 * filled in, strings coerced). The checks are passed in, so that this package depends on none of the toolkit's.
 */
import assert from 'node:assert/strict';

/** A check: the problems it finds in a value (which it may change: defaults, coercion). */
export type ValueCheck = (value: unknown) => unknown[];

/** Values any property may be given. */
const ANY: unknown[] = ['x', '', '1', '8583', 'true', 0, -1, 1.5, 8583, 2 ** 40, true, null, [], ['a'], {}, { a: 1 }];

/**
 * Asserts that `generated` and `compiled` find the same problems in, and leave the same value of: `base`, `base` with
 * an unknown key, values that are not objects, `base` with each property given each value of a list of every kind,
 * and every property given one value at a time. Returns how many problems were found (a caller checks the values had
 * some).
 */
export function assertSameChecks(what: string, generated: ValueCheck, compiled: ValueCheck, properties: Record<string, unknown>, base: Record<string, unknown> = {}): number {
  const keys = Object.keys(properties);
  const values: unknown[] = [base, { ...base, noSuchKey: 1 }, [], 'text', 7, null];
  for (const key of keys) for (const value of ANY) values.push({ ...base, [key]: value });
  for (const value of ANY) values.push(Object.fromEntries(keys.map((key) => [key, value])));
  let problems = 0;
  for (const value of values) {
    const a = structuredClone(value);
    const b = structuredClone(value);
    const found = generated(a);
    assert.deepEqual(found, compiled(b), `${what}: ${JSON.stringify(value)}`);
    assert.deepEqual(a, b, `${what}: ${JSON.stringify(value)} the same after the check (defaults, coercion)`);
    problems += found.length;
  }
  return problems;
}

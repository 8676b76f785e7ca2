/**
 * Records built key by key (a transaction record has 6 keys always and up to 15 more, which depend on the message)
 * made in one allocation. An object literal grown key by key keeps its extra keys in a separate store that is copied
 * each time it grows (1.4 KB allocated for a record of 20 keys); an object made by `new` from a constructor is sized by
 * V8 for every key the objects of that constructor are given, so the same record is one allocation of about 0.35 KB.
 * The constructor's prototype is `Object.prototype`: what it makes is a plain object to every reader
 * (`Object.getPrototypeOf`, `assert.deepStrictEqual`, `JSON.stringify`).
 */

/** A plain object (prototype `Object.prototype`, no keys yet) for a record to be built key by key. */
export const PlainRecord = function PlainRecord(): void {
  // Nothing: the keys are added by whoever builds the record.
} as unknown as new () => Record<string, unknown>;
(PlainRecord as unknown as { prototype: object }).prototype = Object.prototype;

/**
 * Fuzz: packing by the plan of a set of keys (`field/pack-shapes.ts`) against the interpreter. A random valid
 * message is packed often enough for its set of keys to get a plan, then changed (a value replaced by a random
 * string, a number, null or undefined; one character of a value replaced; a key removed, added, or swapped for another so that the number of keys stays
 * the same): the warmed codec must give what a fresh codec (which has no plan) gives, the same bytes or the same
 * coded error (code, words, every problem). `ISO8583_FUZZ_RUNS` sets the runs (default 2000, spread over dialects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec } from '../src/index.js';
import type { Dialect, IsoMessage } from '../src/index.js';
import { PLAN_AFTER } from '../src/field/pack-shapes.js';
import { COMPOSITE_DIALECT, messageArbitrary } from './message-arbitrary.js';
import { packOutcome } from './pack-outcome.js';

const EXTRA_KEYS = ['1', '65', '129', '200', '999', '02', 'x', 'header', '-1', '2.5'];

const change = fc.record({
  kind: fc.constantFrom('value', 'value', 'tweak', 'tweak', 'delete', 'add', 'swap'),
  pick: fc.nat(),
  at: fc.nat(),
  char: fc.constantFrom(':', '/', '\x1f', ' ', '\x7f', '\x9f', '\xa0', '\xff', '\u0100', 'a', 'Z', '=', 'D', '@', '0', '9'),
  key: fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.integer({ min: 2, max: 192 }).map(String)),
  value: fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('0', '1', '9', 'A', 'f', '=', 'D', ' ', 'é', '\u0100', '\u20ac'), maxLength: 40 }),
    fc.integer({ min: -5, max: 1e9 }),
    fc.constantFrom(null, undefined, 1.5, true, {}),
  ),
});

type Change = { kind: string; pick: number; at: number; char: string; key: string; value: unknown };

function changed(message: IsoMessage, changes: Change[], spare: IsoMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { ...message };
  for (const c of changes) {
    const keys = Object.keys(out).filter((k) => k !== '0');
    const at = keys.length === 0 ? undefined : keys[c.pick % keys.length];
    if (c.kind === 'value' && at !== undefined) out[at] = c.value;
    else if (c.kind === 'tweak' && at !== undefined) {
      // One character of a value replaced: same length, maybe a character its type does not allow.
      const v = out[at];
      if (typeof v !== 'string' || v.length === 0) continue;
      const i = c.at % v.length;
      out[at] = v.slice(0, i) + c.char + v.slice(i + 1);
    }
    else if (c.kind === 'delete' && at !== undefined) delete out[at];
    else if (c.kind === 'add') out[c.key] = c.value;
    else if (c.kind === 'swap' && at !== undefined) {
      // Same number of keys, another set: a field of a second valid message in place of one of this one.
      const other = Object.keys(spare).filter((k) => k !== '0' && !(k in out));
      if (other.length === 0) continue;
      delete out[at];
      const k = other[c.pick % other.length]!;
      out[k] = spare[k];
    }
  }
  return out;
}

/**
 * `dialect` with its ASCII text fields only (fixed, or behind 1-3 ASCII length digits: what the compiled packer
 * writes inline) and the first 2 others, so that most plans made from its messages get a compiled packer.
 */
function textDialect(dialect: Dialect): Dialect {
  const fields: Dialect['fields'] = {};
  let others = 0;
  for (const [key, spec] of Object.entries(dialect.fields)) {
    const prefix = spec.prefix;
    const text =
      spec.encoding === 'ascii' && spec.type !== 'xn' && spec.subfields === undefined &&
      (prefix === undefined || (prefix.encoding === 'ascii' && prefix.digits <= 3 && prefix.counts !== 'nibbles'));
    if (text || others++ < 2) fields[key] = spec;
  }
  return { ...dialect, name: `${dialect.name} text`, fields };
}

for (const [name, dialect] of [
  ['iso87ascii', createCodec('iso87ascii').dialect],
  ['iso87ascii text', textDialect(createCodec('iso87ascii').dialect)],
  ['iso93ascii text', textDialect(createCodec('iso93ascii').dialect)],
  ['iso93ascii', createCodec('iso93ascii').dialect],
  ['smartvista', createCodec('smartvista').dialect],
  ['iso87binary', createCodec('iso87binary').dialect],
  ['composite', COMPOSITE_DIALECT],
] as [string, Dialect][]) {
  test(`fuzz – ${name}: a message packed by the plan of its set of keys gives what the interpreter gives`, () => {
    fc.assert(
      fc.property(
        messageArbitrary(dialect),
        messageArbitrary(dialect),
        fc.array(change, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (message, spare, changes, lenient) => {
          const warmed = createCodec(dialect, { lenient });
          const fresh = packOutcome(createCodec(dialect, { lenient }), message);
          for (let i = 0; i < PLAN_AFTER + 1; i++) assert.deepEqual(packOutcome(warmed, message), fresh);
          const other = changed(message, changes, spare);
          assert.deepEqual(packOutcome(warmed, other), packOutcome(createCodec(dialect, { lenient }), other));
          // The valid message still packs as it did.
          assert.deepEqual(packOutcome(warmed, message), fresh);
        },
      ),
      propertyRuns(250, 8),
    );
  });
}

/**
 * Fuzz: `fromJson` on hostile JSON and `emvFromTags` on hostile objects of tags (any shape, keys of PAN digits, values
 * of any type, nesting far past what BER-TLV allows) give a result or an Iso8583Error, nothing else (no RangeError, no
 * TypeError), and no error holds a card number planted in the input. `npm test` runs a bounded number of cases;
 * `npm run fuzz` many more (scripts/fuzz.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { Iso8583Error, MAX_TLV_DEPTH, createCodec, emvFromTags, fromJson, parseTlv, toJson, toXml } from '../src/index.js';
import type { EmvTags } from '../src/index.js';

/** A Visa test card, planted as a key, a value and a tag's value: no error may quote it. */
const PAN = '4761739001010010';

const key = fc.oneof(
  fc.constantFrom('0', '2', '3', '35', '48', '55', '127', '__proto__', 'constructor', 'header', '9F26', '70', '5A', 'E1', PAN, PAN.slice(0, 8)),
  fc.string({ maxLength: 4 }),
);
const leaf = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.stringMatching(/^([0-9A-F]{2}){0,10}$/),
  fc.constant(PAN),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 4 })),
})).v;

/** An object `depth` deep under `tag` (built as text too: JSON.stringify overflows the stack past some thousands; 5,000 overflowed emvFromTags itself). */
const deep = fc.record({ depth: fc.integer({ min: 0, max: 20_000 }), tag: fc.constantFrom('70', '77', 'E1', '5A', PAN, 'zz'), inner: fc.dictionary(key, leaf, { maxKeys: 3 }) });

function deepText({ depth, tag, inner }: { depth: number; tag: string; inner: Record<string, unknown> }): string {
  return `${`{"${tag}":`.repeat(depth)}${JSON.stringify(inner)}${'}'.repeat(depth)}`;
}

/** `fn`'s result, or its error when an Iso8583Error that quotes no planted card number; anything else fails. */
function codedOrResult<T>(fn: () => T): T | Iso8583Error {
  try {
    return fn();
  } catch (err) {
    assert.ok(err instanceof Iso8583Error, `not an Iso8583Error: ${String(err).slice(0, 200)}`);
    const text = `${err.message} ${JSON.stringify(err)}`;
    assert.ok(!text.includes(PAN) && !text.includes(PAN.slice(0, 8)), text.slice(0, 300));
    return err;
  }
}

const codec = createCodec('iso87binary');

test('fuzz – fromJson on hostile JSON (emv on and off): a message or a coded error quoting no card number', () => {
  fc.assert(
    fc.property(fc.dictionary(key, value, { maxKeys: 8 }), fc.option(deep), fc.boolean(), (fields, nested, emv) => {
      const body = JSON.stringify({ 0: '0200', ...fields }).slice(0, -1);
      const text = nested === null ? `${body}}` : `${body},"55":${deepText(nested)}}`;
      const read = codedOrResult(() => fromJson(text, { emv }));
      if (read instanceof Iso8583Error) return;
      // What was read packs or is refused (coded), and a packed message reads back and shows in either view.
      const packed = codedOrResult(() => codec.pack(read));
      if (packed instanceof Iso8583Error) return;
      const message = codec.unpack(packed);
      assert.equal(typeof toJson(message, { emv }), 'string');
      assert.equal(typeof toXml(message, { emv }), 'string');
    }),
    propertyRuns(300),
  );
});

test('fuzz – emvFromTags on hostile objects: hex that parseTlv reads back, or ISO8583_ERR_TLV with a bounded path', () => {
  fc.assert(
    fc.property(fc.oneof(value, deep.map((d) => JSON.parse(deepText(d)) as unknown)), (tags) => {
      const out = codedOrResult(() => emvFromTags(tags as EmvTags));
      if (out instanceof Iso8583Error) {
        assert.equal(out.code, 'ISO8583_ERR_TLV');
        assert.ok(out.field !== undefined && out.field.startsWith('55'), String(out.field));
        assert.ok(out.field.split('.').length <= MAX_TLV_DEPTH + 2, out.field);
        return;
      }
      assert.ok(Array.isArray(parseTlv(out)));
    }),
    propertyRuns(300),
  );
});

// recoverFields never throws: random bytes and mutated messages of every built-in dialect, with any failing field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { BUILTIN_DIALECTS, createCodec, recoverFields } from '../src/index.js';

const failedField = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: -5, max: 200 }).map(String),
  fc.constantFrom('55.9F26', '127.2', 'x', '65', '129'),
);

for (const name of BUILTIN_DIALECTS) {
  test(`recoverFields (${name}) – never throws, and keeps the MTI of a message that starts with one`, () => {
    const codec = createCodec(name);
    const image = codec.pack({ 0: '0200', 3: '000000', 4: '000000001000', 11: '000001' });
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        failedField,
        fc.boolean(),
        (junk, mutations, field, useImage) => {
          const bytes = Buffer.from(useImage ? image : junk);
          for (const [at, value] of mutations) if (bytes.length > 0) bytes[at % bytes.length] = value;
          const recovered = recoverFields(codec, bytes, field);
          if (useImage && mutations.length === 0) assert.equal(recovered?.['0'], '0200');
          if (recovered !== undefined) assert.match(String(recovered['0']), /^[0-9]{4}$/);
        },
      ),
      propertyRuns(300),
    );
  });
}

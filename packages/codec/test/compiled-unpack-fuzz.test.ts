/**
 * Fuzz: the compiled reader of a message type (`field/compile-unpack.ts`) against the interpreter. A random valid
 * message is packed, its bitmap read often enough to be compiled, then the image is mutated (bytes changed, cut,
 * inserted, dropped): the warmed codec must give what a fresh codec (which has not compiled that bitmap) gives, the
 * same message or the same coded error (code, field, offset, words). Runs: a seventh of ISO8583_FUZZ_RUNS (default
 * 2000, so 285; scripts/fuzz.mjs sets many more).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec } from '../src/index.js';
import type { Dialect } from '../src/index.js';
import { COMPILE_AFTER } from '../src/field/shapes.js';
import { messageArbitrary } from './message-arbitrary.js';
import { mutate, mutationsArbitrary } from './image-mutation.js';
import { unpackOutcome } from './unpack-outcome.js';

for (const name of ['iso87ascii', 'iso93ascii', 'smartvista', 'iso87binary']) {
  const dialect: Dialect = createCodec(name).dialect;
  test(`fuzz – ${name}: a compiled message type reads mutated images as the interpreter does`, () => {
    fc.assert(
      fc.property(messageArbitrary(dialect), mutationsArbitrary(3, 3), (message, mutations) => {
        const warmed = createCodec(dialect);
        const image = warmed.pack(message);
        for (let i = 0; i < COMPILE_AFTER + 1; i++) warmed.unpack(image);
        const broken = mutate(image, mutations);
        assert.deepEqual(unpackOutcome(warmed, broken), unpackOutcome(createCodec(dialect), broken));
        // The valid image still reads back as it did before compiling.
        assert.deepEqual(warmed.unpack(image), createCodec(dialect).unpack(image));
      }),
      propertyRuns(285, 7),
    );
  });
}

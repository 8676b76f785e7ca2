// review27: free-text masking that fails closed (4 passes did not settle) stars every digit and a track 1 name after a
// run's `^`, but not a name between escaped carets (`\u005e`), which the settled rule does hide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskDigitRuns } from '../src/index.js';

const CHAIN = '1234567890124111.1111.2222.333344/1111/2222/333345.1111.2222.333344/1111/2222/333345';

test('review27 – settled: a track 1 name between JSON-escaped carets is hidden', () => {
  assert.doesNotMatch(maskDigitRuns('B4111111111111111\\u005eDOE/JOHN\\u005e25121011000'), /DOE/);
});

test('review27 – failed closed: a track 1 name between JSON-escaped carets is hidden too', () => {
  assert.doesNotMatch(maskDigitRuns(`x ${CHAIN}\\u005eDOE/JOHN\\u005e2512`), /DOE/);
});

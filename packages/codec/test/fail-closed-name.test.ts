// Free-text masking that fails closed (4 passes did not settle) stars every digit and a track 1 name after a
// run's `^`, escaped or not (`\u005e`), as the settled rule hides it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskDigitRuns } from '../src/index.js';
import { referenceMask } from './mask-reference.js';

const CHAIN = '1234567890124111.1111.2222.333344/1111/2222/333345.1111.2222.333344/1111/2222/333345';

test('masking – settled: a track 1 name between JSON-escaped carets is hidden', () => {
  assert.doesNotMatch(maskDigitRuns('B4111111111111111\\u005eDOE/JOHN\\u005e25121011000'), /DOE/);
});

test('masking – failed closed: a track 1 name between JSON-escaped carets is hidden too', () => {
  assert.doesNotMatch(maskDigitRuns(`x ${CHAIN}\\u005eDOE/JOHN\\u005e2512`), /DOE/);
});

test('masking – failed closed: a name between carets in each escaped form is hidden, as the reference model hides it', () => {
  for (const caret of ['^', '\\u005e', '\\u005E', '%5e', '%5E', '&#94;', '&#0094;', '&#x5e;', '&#X5E;']) {
    const text = `x ${CHAIN}${caret}DOE/JOHN${caret}2512 y`;
    const masked = maskDigitRuns(text);
    assert.doesNotMatch(masked, /DOE/, caret);
    assert.doesNotMatch(masked, /[0-9]/, caret);
    assert.equal(masked, referenceMask(text, false), caret);
  }
  // A name longer than a track 1's (27 characters) is not a name: only the digits go.
  const long = `x ${CHAIN}^${'A'.repeat(27)}^1`;
  assert.equal(maskDigitRuns(long), referenceMask(long, false));
  assert.match(maskDigitRuns(long), /A{27}/);
});

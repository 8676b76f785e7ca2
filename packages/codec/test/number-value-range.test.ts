/**
 * A number given as a field value is taken when it is a whole number JavaScript holds exactly: from 0 to 2^53 - 1
 * (`Number.MAX_SAFE_INTEGER`). 2^53 itself is refused (2^53 + 1 reads as 2^53: the number no longer says which it is),
 * and the reason and docs/message-views.md say the range as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { createCodec } from '../src/index.js';

const REASON = 'a number that is not a whole number from 0 to 2^53 - 1';

test('pack – 2^53 - 1 is taken, 2^53 is refused with a reason that names the range it takes', () => {
  const codec = createCodec('iso87ascii');
  assert.equal(codec.unpack(codec.pack({ '0': '0200', '2': 2 ** 53 - 1 }))['2'], '9007199254740991');
  assert.deepEqual(codec.validate({ '0': '0200', '2': 2 ** 53 }), [{ field: '2', code: 'ISO8583_ERR_FIELD_VALUE', reason: REASON }]);
});

test('docs/message-views.md – the numbers taken are from 0 to 2^53 - 1, and 2^53 is not said to be one', () => {
  const doc = readFileSync(join(repoRoot(), 'docs', 'message-views.md'), 'utf8').replace(/\s+/g, ' ');
  assert.ok(/a whole number from 0 to 2\^53 - 1/.test(doc), 'the range taken, 2^53 - 1 the last');
  assert.ok(!/from 0 to 2\^53(?! - 1)/.test(doc), 'no range that ends at 2^53');
  assert.ok(!/over 2\^53|past 2\^53/.test(doc), 'what is refused starts at 2^53 itself');
});

// A journal batch encodes its lines into one buffer as they are appended (no joined text, no copy at write time): the
// bytes it writes are exactly the UTF-8 of its lines, each ended by a newline, whatever the lines hold (non-ASCII
// text, characters of 3 and 4 bytes) and however often the buffer grows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Batch } from '../src/journal-batch.js';

test('journal batch – its bytes are the UTF-8 of its lines, each ended by a newline, across buffer growth', () => {
  const line = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ minLength: 3000, maxLength: 9000 }), fc.constantFrom('é', '€', '😀', '{"op":"done"}'));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
      const batch = new Batch();
      for (const [i, l] of lines.entries()) batch.push(l, String(i), undefined);
      const expected = Buffer.from(lines.map((l) => l + '\n').join(''));
      assert.equal(batch.length, expected.length);
      assert.ok(batch.bytes().equals(expected));
      assert.equal(batch.size, lines.length);
    }),
    { numRuns: 300 },
  );
});

test('journal batch – a batch of 64 purchase reversals (about 20 KB) is one buffer of their lines', () => {
  const batch = new Batch();
  const lines: string[] = [];
  for (let i = 0; i < 64; i++) {
    const l = `{"op":"add","id":"id-${i}","reversal":{"0":"0400","2":"4111111111111111","11":"${String(i).padStart(6, '0')}","90":"${'0'.repeat(42)}"},"at":1}`.padEnd(310, ' ');
    lines.push(l);
    batch.push(l, `id-${i}`, l);
  }
  assert.equal(batch.bytes().toString('utf8'), lines.join('\n') + '\n');
});

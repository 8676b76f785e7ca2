import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBuffer } from '../src/line-buffer.js';

/** What the transaction log wrote before line buffers: the lines joined, a newline after each, one before with `cut`. */
const joined = (lines: string[], cut: boolean): string => (cut ? '\n' : '') + lines.join('\n') + '\n';

test('line buffer – the bytes are the lines joined by newlines, UTF-8 encoded, with or without a newline first', () => {
  const lines = ['{"a":"x"}', '{"merchant":"CAFÉ MÜNCHEN"}', '{"n":"日本語","e":"€"}', ''];
  const b = new LineBuffer(8); // smaller than the first line: grows
  for (const line of lines) b.push(line);
  assert.equal(b.bytes(false).toString('utf8'), joined(lines, false));
  assert.equal(b.bytes(true).toString('utf8'), joined(lines, true));
  assert.ok(b.bytes(false).equals(Buffer.from(joined(lines, false), 'utf8')));
});

test('line buffer – reused after a batch, it holds only the new lines; a grown one is not kept', () => {
  const spare: LineBuffer[] = [];
  const first = LineBuffer.take(spare);
  for (let i = 0; i < 1000; i++) first.push(`{"stan":"${String(i).padStart(6, '0')}"}`);
  LineBuffer.give(spare, first);
  assert.equal(spare.length, 1);
  const second = LineBuffer.take(spare);
  assert.equal(second, first);
  second.push('{"stan":"000001"}');
  assert.equal(second.bytes(false).toString('utf8'), '{"stan":"000001"}\n');
  // A burst that grew a buffer past 1 MiB: let go once written.
  const big = new LineBuffer();
  big.push('x'.repeat(400_000));
  LineBuffer.give(spare, big);
  assert.equal(spare.length, 0);
});

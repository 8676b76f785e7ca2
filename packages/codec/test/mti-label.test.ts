// mtiLabel: an MTI as a metric label and a `byMti` key, read by its own digits whatever the dialect's edition, and
// bounded (a client may send any four digits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mtiLabel } from '../src/index.js';

test('mtiLabel – a 1993 MTI and a 1987 MTI keep their own digits (no dialect edition is read)', () => {
  for (const mti of ['0200', '0420', '0800', '1200', '1420', '1804', '1850', '1664']) assert.equal(mtiLabel(mti), mti);
});

test('mtiLabel – each edition reads its own function digits; anything else is other, invalid stays invalid', () => {
  // 1987 has functions 0-5 only; 1993 adds 6-8 (1664 is a 1993 administrative function), so 0664 is other.
  for (const mti of ['0664', '0990', '0096', '0206', '1900', '1209', '1296', '2200', '9200', '8100', '020', '02000', 'abcd', '']) {
    assert.equal(mtiLabel(mti), 'other', mti);
  }
  assert.equal(mtiLabel('invalid'), 'invalid');
});

test('mtiLabel – every four digits make at most 720 labels (288 of 1987, 432 of 1993), then other', () => {
  const labels = new Set<string>();
  for (let n = 0; n < 10_000; n++) labels.add(mtiLabel(String(n).padStart(4, '0')));
  labels.delete('other');
  assert.equal(labels.size, 720);
  assert.equal([...labels].filter((l) => l.startsWith('0')).length, 288);
  assert.equal([...labels].filter((l) => l.startsWith('1')).length, 432);
});

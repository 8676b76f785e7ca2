// mtiLabel: an MTI as a metric label and a `byMti` key, read by its own digits whatever the dialect's edition, and
// bounded (a client may send any four digits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, mtiLabel } from '../src/index.js';
import type { Dialect } from '../src/index.js';

const iso87 = getDialect('iso87ascii');
const iso93 = getDialect('iso93ascii');

test('mtiLabel – a 1993 MTI on a 1987 dialect, and a 1987 MTI on a 1993 dialect, keep their own digits', () => {
  for (const dialect of [iso87, iso93, {}] as Array<Pick<Dialect, 'version'>>) {
    for (const mti of ['0200', '0420', '0800', '1200', '1420', '1804', '1850', '1664']) assert.equal(mtiLabel(mti, dialect), mti, `${mti} on ${dialect.version ?? 'no version'}`);
  }
  assert.equal(mtiLabel('1420'), '1420');
});

test('mtiLabel – each edition reads its own function digits; anything else is other, invalid stays invalid', () => {
  // 1987 has functions 0-5 only; 1993 adds 6-8 (1664 is a 1993 administrative function), so 0664 is other on either dialect.
  for (const dialect of [iso87, iso93]) {
    for (const mti of ['0664', '0990', '0096', '0206', '1900', '1209', '1296', '2200', '9200', '8100', '020', '02000', 'abcd', '']) {
      assert.equal(mtiLabel(mti, dialect), 'other', mti);
    }
    assert.equal(mtiLabel('invalid', dialect), 'invalid');
  }
});

test('mtiLabel – every four digits make at most 720 labels (288 of 1987, 432 of 1993), then other', () => {
  const labels = new Set<string>();
  for (let n = 0; n < 10_000; n++) labels.add(mtiLabel(String(n).padStart(4, '0'), iso87));
  labels.delete('other');
  assert.equal(labels.size, 720);
  assert.equal([...labels].filter((l) => l.startsWith('0')).length, 288);
  assert.equal([...labels].filter((l) => l.startsWith('1')).length, 432);
});

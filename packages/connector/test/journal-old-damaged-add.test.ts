// An add of an older version (no checksum) that is whole but damaged (it no longer parses) and followed by a blank line
// was read as a crash cut: skipped from the damaged adds (logged at info, not error) and not counted by a start with
// reversal off, though a reversal may be owed. A torn line of this version can end in `}` only before its `,"at":`
// member is written (the message's closing brace): a line that ends in `}` and has that member is whole, so damaged
// (journal-read.ts cutShort). Real bytes read back by the journal's own reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readJournal } from '../src/journal-read.js';
import { damagedAdds, owedCount } from '../src/journal-read-owed.js';

/** An older version's add line (no checksum member), as that version wrote it. */
const OLD_ADD = '{"op":"add","id":"k1","reversal":{"0":"0400","2":"4111111111111111","4":"000000001000","11":"000021"},"at":1}';

test('an older version\'s whole add, damaged and followed by a blank line, is a damaged add owed, not a cut', () => {
  // A quote of the amount's key turned into a bit-flipped byte: the line no longer parses, but ends as written.
  const line = Buffer.from(OLD_ADD);
  (line[line.indexOf('"4":') + 2] as number) ^= 0x01;
  const data = Buffer.concat([line, Buffer.from('\n\n\n')]);
  const contents = readJournal(data);
  assert.equal(contents.bad.length, 1);
  assert.equal(contents.bad[0]?.cut, false, 'whole (ends in } with its "at" member): damaged, not cut');
  assert.equal(damagedAdds(contents).length, 1);
  assert.equal(owedCount(contents), 1);
});

test('an older version\'s add torn right after its message\'s closing brace (before "at") is still a cut', () => {
  const torn = OLD_ADD.slice(0, OLD_ADD.indexOf(',"at":'));
  assert.ok(torn.endsWith('}'));
  const contents = readJournal(Buffer.from(`${torn}\n\n\n`));
  assert.equal(contents.bad.length, 1);
  assert.equal(contents.bad[0]?.cut, true);
  assert.equal(owedCount(contents), 0);
});

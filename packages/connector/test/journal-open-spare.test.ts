// A spare file (`reversals.jsonl.next`, made ahead for the next compaction) that a killed process left is removed at
// open, before the compaction of the open writes its new file beside the old journal: on a disk with a few MiB free,
// its space is what that write needs (a first restart after a SIGKILL failed with ENOSPC, the second started). Real
// files: the left-over spare is a hard link to a probe file, so whether its name still holds that file shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

test('open removes a spare file a killed process left before it compacts (never reuses or rewrites it in place)', async (t) => {
  const dir = tempDir(t, 'open-spare');
  const first = new FileJournal(dir, { preallocate: 8192, compactInterval: 0 });
  await first.open();
  await first.add({ id: 'k1', at: 1, reversal: { '0': '0400', '11': '000001', '41': 'TERM0001' } });
  await first.close();
  // What a SIGKILL leaves: the journal, and the spare file beside it.
  const probe = join(dir, 'probe');
  writeFileSync(probe, '\n'.repeat(8192));
  linkSync(probe, join(dir, 'reversals.jsonl.next'));
  assert.equal(statSync(probe).nlink, 2);
  const again = new FileJournal(dir, { preallocate: 8192, compactInterval: 0 });
  assert.deepEqual((await again.open()).map((e) => e.id), ['k1']);
  // Its name was let go of at open: the probe is the only name of those blocks left.
  assert.equal(statSync(probe).nlink, 1);
  await again.close();
});

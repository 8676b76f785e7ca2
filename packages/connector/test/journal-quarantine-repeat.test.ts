// A journal with a damaged line on a disk too full for the compaction at open: every start fails, and a supervisor
// restarts it. Each start quarantined the same bad line again (a new file each time, most of them empty once the disk
// was full, as a failed quarantine write left its file behind). Now a start that finds those bytes already in a
// quarantine file does not write them again, and a quarantine write that fails leaves no file. Real small disks (a
// tmpfs: needs root, else skipped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpfsFolder } from '@iso8583/test-support';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';

const PREALLOCATE = 1024;

/** A journal of 40 records (about 24 KiB) in `dir`, the first damaged (a flipped bit: its checksum fails). */
async function damagedJournal(dir: string): Promise<void> {
  const j = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0 });
  await j.open();
  for (let i = 0; i < 40; i++) {
    await j.add({ id: `e${i}`, reversal: { '0': '0400', '2': '4111111111111111', '48': 'x'.repeat(400), '11': String(i).padStart(6, '0') }, at: 1 });
  }
  await j.close();
  const path = join(dir, JOURNAL_FILE);
  const data = readFileSync(path);
  data[100] = (data[100] as number) ^ 1;
  writeFileSync(path, data);
}

/** Fills the disk of `mount` with 4 KiB files until it is full, then frees `free` of them. */
function fill(mount: string, free: number): void {
  let k = 0;
  try {
    for (;;) writeFileSync(join(mount, `fill${k++}`), Buffer.alloc(4096, 1));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  for (let i = 0; i < free; i++) rmSync(join(mount, `fill${i}`));
}

const quarantined = (dir: string): string[] => readdirSync(dir).filter((n) => n.startsWith(`${JOURNAL_FILE}.corrupt-`));

test('FileJournal – starts that fail on a full disk quarantine a damaged line once, not once per start', async (t) => {
  const mount = tmpfsFolder(t, '256k', 'iso8583-quarantine-repeat-');
  if (mount === undefined) return;
  const dir = join(mount, 'j');
  await damagedJournal(dir);
  // Room for the quarantine file, not for the compaction at open (the records, then the preallocated part).
  fill(mount, 2);
  for (let start = 0; start < 4; start++) {
    const j = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0 });
    await assert.rejects(j.open(), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' }, `start ${start}`);
    await j.close();
    const files = quarantined(dir);
    assert.equal(files.length, 1, `start ${start}: ${files.join(', ')}`);
    const kept = readFileSync(join(dir, files[0] as string), 'latin1');
    assert.match(kept, /^\{"op":"add".*\n$/, `start ${start}: the damaged line, whole`);
  }
  // Room again: the next start opens, every intact record read back, still one quarantine file.
  for (let i = 2; i < 12; i++) rmSync(join(mount, `fill${i}`));
  const j = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0 });
  assert.equal((await j.open()).length, 39);
  await j.close();
  assert.equal(quarantined(dir).length, 1);
});

test('FileJournal – a quarantine write that fails (a full disk) leaves no quarantine file behind', async (t) => {
  const mount = tmpfsFolder(t, '256k', 'iso8583-quarantine-repeat-');
  if (mount === undefined) return;
  const dir = join(mount, 'j');
  await damagedJournal(dir);
  // Room for the lock file (a page), none for the quarantine file.
  fill(mount, 1);
  for (let start = 0; start < 3; start++) {
    const j = new FileJournal(dir, { preallocate: PREALLOCATE, compactInterval: 0 });
    await assert.rejects(j.open(), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' }, `start ${start}`);
    await j.close();
    assert.deepEqual(quarantined(dir), [], `start ${start}`);
  }
});

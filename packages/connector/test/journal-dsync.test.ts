// The journal's writes are durable when they return: on Linux the file is written through a handle opened with
// O_DSYNC (checked in /proc/self/fdinfo, the kernel's own record of the open flags), and after a compaction too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../src/index.js';

/** The open flags (octal, from /proc/self/fdinfo) of every descriptor of this process on `path`. */
function openFlags(path: string): number[] {
  const flags: number[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile (the descriptor of the listing itself)
    }
    if (target !== path) continue;
    const line = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
    if (line?.[1] !== undefined) flags.push(parseInt(line[1], 8));
  }
  return flags;
}

test('FileJournal – the file is written through an O_DSYNC handle, also after a compaction (Linux)', { skip: process.platform !== 'linux' }, async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'iso8583-fjd-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const dsync = constants.O_DSYNC;
  assert.ok(dsync !== undefined && dsync > 0, 'Linux defines O_DSYNC');
  const j = new FileJournal(d, { compactInterval: 0 });
  await j.open();
  const before = openFlags(j.path);
  assert.equal(before.length, 1, 'one descriptor on the journal file');
  assert.equal(before[0]! & dsync, dsync, 'opened with O_DSYNC');
  assert.equal(before[0]! & constants.O_RDWR, constants.O_RDWR, 'opened for reading and writing');
  // Compaction (past compactAt) reopens the file: the new handle is O_DSYNC as well.
  const c = new FileJournal(d, { compactAt: 1, compactInterval: 0 });
  await j.close();
  await c.open();
  const compacted = new Promise<void>((resolve) => c.once('compact', () => resolve()));
  await c.add({ id: 'a', at: 1, reversal: { '0': '0400', '11': '000001' } });
  await compacted;
  assert.equal(c.batches.compactions, 2, 'compacted once on open, once past compactAt');
  await c.add({ id: 'b', at: 1, reversal: { '0': '0400', '11': '000002' } });
  const after = openFlags(c.path);
  assert.equal(after.length, 1, 'one descriptor on the journal file after compaction');
  assert.equal(after[0]! & dsync, dsync, 'reopened with O_DSYNC');
  await c.close();
  assert.deepEqual(openFlags(c.path), [], 'closed');
});

// journal-upstream.ts `recordUpstream`, as a start calls it once its journal is open (its lock held). Between the
// start's check and the lock there are awaits: the folder's last process may have stopped since, owing entries to its
// own upstream; the marker is checked again and not replaced then (the refusal's text returned). A marker that cannot
// be written leaves no temporary file behind. Real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordUpstream } from '../src/journal-upstream.js';
import { folder, journalWithReversal } from './helpers/owed-journal.js';

test('recordUpstream over another upstream\'s marker whose journal now owes a reversal: nothing written, the refusal returned', async (t) => {
  const dir = join(folder(t, 'record-upstream'), 'journal');
  await journalWithReversal(dir);
  writeFileSync(join(dir, 'upstream.json'), `${JSON.stringify({ upstream: '127.0.0.1:9' })}\n`);
  const refusal = recordUpstream(dir, '127.0.0.1:10', '--reversal-journal', 'gateway');
  assert.ok(refusal?.includes('for the upstream 127.0.0.1:9 (its upstream.json), not 127.0.0.1:10'), refusal);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'upstream.json'), 'utf8')), { upstream: '127.0.0.1:9' });
});

test('recordUpstream over another upstream\'s marker whose journal owes nothing: taken over', async (t) => {
  const dir = join(folder(t, 'record-upstream'), 'journal');
  await journalWithReversal(dir, true);
  writeFileSync(join(dir, 'upstream.json'), `${JSON.stringify({ upstream: '127.0.0.1:9' })}\n`);
  assert.equal(recordUpstream(dir, '127.0.0.1:10', '--reversal-journal', 'gateway'), undefined);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'upstream.json'), 'utf8')), { upstream: '127.0.0.1:10', by: 'gateway' });
});

test('recordUpstream that cannot replace the marker throws the system\'s error and leaves no temporary file', (t) => {
  const dir = folder(t, 'record-upstream');
  mkdirSync(join(dir, 'upstream.json', 'x'), { recursive: true }); // A folder in its place: the rename fails.
  assert.throws(() => recordUpstream(dir, '127.0.0.1:10', '--reversal-journal', 'gateway'), (err: NodeJS.ErrnoException) => typeof err.code === 'string');
  assert.deepEqual(readdirSync(dir), ['upstream.json']);
});

// The file journal's folder, file or lock removed, renamed or replaced while it runs: records written through the
// open handle would go into a file no later start reads (purchases out, their reversals lost). Before written batches
// take effect the journal checks that its file and its lock are still its own, and stops otherwise: every append is
// refused with ISO8583_ERR_CONNECTOR_JOURNAL (a purchase never leaves) and an error names the file. Real files, a
// real socket peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, readlinkSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { parseOwner } from '../src/lock-owner.js';
import { answer, purchase } from './peer.js';
import { capturedLogger, endsWithin, peerAndConnector, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';
import { startChild } from './child.js';
import { waitUntil } from '@iso8583/test-support';
import type { SpareFile } from '../src/journal-spare.js';

/** Resolves once the journal's spare file (made in the background after a compaction) is made (white box). */
const spareMade = (journal: FileJournal): Promise<boolean> => (journal as unknown as { spare: SpareFile }).spare.whenReady();

/** An open journal in a new folder, which is then removed as `rm -rf` does (once the spare file is made). */
async function openThenRemoved(t: AfterHook, prefix: string): Promise<{ dir: string; j: FileJournal }> {
  const dir = tempDir(t, prefix);
  const j = new FileJournal(dir, { compactInterval: 0 });
  await j.open();
  await spareMade(j);
  rmSync(dir, { recursive: true, force: true });
  return { dir, j };
}

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '11': '000001', '41': 'TERM0001' } });

/** True when `err` is the journal's error of a file or lock that is no longer its own (`why` in its text). */
const stoppedFor = (why: RegExp) => (err: { code?: string; message: string }) =>
  err.code === 'ISO8583_ERR_CONNECTOR_JOURNAL' && /stopped/.test(err.message) && why.test(err.message);

test('journal folder removed while the connector runs: the next purchase is refused and never reaches the host; an error names the file', async (t) => {
  const dir = tempDir(t, 'journal-removed');
  const { logger, lines } = capturedLogger();
  const journal = new FileJournal(dir, { logger });
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { reversal: { enabled: true, journal } });
  await connector.request(purchase('009001'));
  await spareMade(journal);
  rmSync(dir, { recursive: true, force: true });
  await assert.rejects(connector.request(purchase('009002')), stoppedFor(/removed/));
  await assert.rejects(connector.request(purchase('009003')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.deepEqual(
    peer.received.map((r) => r.message['11']),
    ['009001'],
    'nothing left after the removal',
  );
  const error = lines.find((l) => l.level === 50 && l.code === 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(error?.path, join(dir, 'reversals.jsonl'));
});

test('FileJournal – its file renamed away, or another file renamed over it: the journal stops at the next append', async (t) => {
  for (const change of ['renamed', 'replaced'] as const) {
    const dir = tempDir(t, 'journal-replaced');
    const j = new FileJournal(dir, { compactInterval: 0 });
    await j.open();
    await j.add(entry('k0'));
    if (change === 'renamed') {
      renameSync(j.path, `${j.path}.old`);
    } else {
      // A restore: a copy of the file put in its place.
      writeFileSync(`${j.path}.copy`, readFileSync(j.path));
      renameSync(`${j.path}.copy`, j.path);
    }
    await assert.rejects(j.add(entry('k1')), stoppedFor(change === 'renamed' ? /removed/ : /replaced/), change);
    await assert.rejects(j.done('k0', 'not-needed'), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' }, change);
    await j.close();
  }
});

test('FileJournal – its lock file removed: the journal stops (another process may take the folder); the record written in its own file is acknowledged', async (t) => {
  const dir = tempDir(t, 'journal-unlocked');
  const j = new FileJournal(dir, { compactInterval: 0 });
  await j.open();
  unlinkSync(join(dir, LOCK_FILE));
  // Written and synced into the file the next start reads: acknowledged, then the journal stops.
  await j.add(entry('k1'));
  await assert.rejects(j.add(entry('k2')), stoppedFor(/lock/));
  await j.close();
  const again = new FileJournal(dir, { compactInterval: 0 });
  assert.deepEqual((await again.open()).map((e) => e.id), ['k1']);
  await again.close();
});

test('FileJournal – its folder removed and taken by another process\'s journal: the first stops, and its close leaves the other one\'s lock alone', async (t) => {
  const { dir, j: first } = await openThenRemoved(t, 'journal-taken');
  // Another process opens a journal on the same path (a second gateway started meanwhile).
  const other = startChild('lock-race-child', { store: 'journal' });
  t.after(() => other.process.kill('SIGKILL'));
  await other.waitLine('ready', 60_000);
  other.process.stdin?.write(`open r0 ${dir}\n`);
  assert.equal(await other.waitLine('r0 '), 'r0 opened');
  await assert.rejects(first.add(entry('lost')), stoppedFor(/replaced/));
  await first.close();
  assert.equal(parseOwner(readFileSync(join(dir, LOCK_FILE), 'utf8'))?.pid, other.process.pid, 'the other journal\'s lock is still there');
  other.process.stdin?.write('close r0\n');
  await other.waitLine('r0 closed');
  other.process.stdin?.end();
  await other.exited;
});

/** The files this process holds open that were opened in `dir` under a name starting with `prefix` (Linux: /proc). */
function openIn(dir: string, prefix: string): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith(join(dir, prefix)) ? [target] : [];
    } catch {
      return [];
    }
  });
}

test('FileJournal – its lock file is held open until close: removed with its folder, its inode cannot go to another process\'s lock', { skip: process.platform !== 'linux' }, async (t) => {
  // Else the new lock of a process that took the folder may get the same inode number, and the first journal's close,
  // comparing device and inode, removes that lock as its own (seen on CI: the test above found no lock file).
  const { dir, j } = await openThenRemoved(t, 'journal-lock-open');
  assert.equal(openIn(dir, LOCK_FILE).length, 1, 'the removed lock file is still open');
  await j.close();
  assert.deepEqual(openIn(dir, LOCK_FILE), [], 'close lets it go');
});

test('FileJournal – closed while the append that finds its file removed is in flight: the append is refused and close() ends', async (t) => {
  const { j } = await openThenRemoved(t, 'journal-closing');
  const pending = j.add(entry('k1'));
  assert.ok(await endsWithin(j.close(), 10_000), 'close() resolved');
  await assert.rejects(pending, stoppedFor(/removed/));
});

test('FileJournal – a compaction that finds its folder removed stops the journal at once, not at the next append (whose write would go into the removed file)', async (t) => {
  const dir = tempDir(t, 'journal-removed-compacting');
  const { logger, lines } = capturedLogger('info');
  const j = new FileJournal(dir, { compactAt: 600, preallocate: 64 * 1024, compactInterval: 0, logger });
  await j.open();
  t.after(() => j.close());
  await spareMade(j);
  // The folder goes as the compaction past compactAt takes the spare file: its write finds no folder.
  const spare = (j as unknown as { spare: SpareFile }).spare;
  const take = spare.take.bind(spare);
  spare.take = () => {
    rmSync(dir, { recursive: true, force: true });
    return take();
  };
  await Promise.all(['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((id) => j.add(entry(id))));
  await waitUntil(() => lines.some((l) => l.msg === 'the reversal journal cannot be compacted'), { timeoutMs: 5000, what: 'the compaction to fail' });
  assert.match(j.halted()?.reason ?? 'running', /removed/, 'stopped as the compaction failed');
  assert.equal(j.halted()?.recordsLost, true);
  const stop = lines.find((l) => l.level === 50 && l.path === j.path && l.msg !== 'the reversal journal cannot be compacted');
  assert.match(String(stop?.msg), /stopped because its file .* was removed/);
  await assert.rejects(j.add(entry('late')), stoppedFor(/removed/));
});

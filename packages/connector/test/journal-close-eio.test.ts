// The file journal whose file's close fails (EIO: a deferred write error a network mount reports at close): its close
// rejects with the coded journal error naming the folder and the system's reason, never the bare system error (the
// CLI's stop line would say `iso8583: EIO: ...`), and the folder's lock is released all the same, so that the
// folder opens again in this process. Real files; the close's fault is injected into the journal's FileHandle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FileHandle } from 'node:fs/promises';
import { FileJournal } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

const entry = (id: string) => ({ id, at: 1, reversal: { '0': '0400', '2': '4111111111111111', '11': '000001', '41': id } });

test('a journal whose file close fails with EIO rejects with ISO8583_ERR_CONNECTOR_JOURNAL and releases its lock', async (t) => {
  const dir = tempDir(t, 'journal-close-eio');
  const j = new FileJournal(dir, { compactInterval: 0 });
  await j.open();
  await j.add(entry('e1'));
  // The journal's file handle (FileHandle's close is its own property, not its prototype's): closed, then EIO.
  const handle = (j as unknown as { handle: FileHandle }).handle;
  const close = handle.close.bind(handle);
  handle.close = async (): Promise<void> => {
    await close();
    throw Object.assign(new Error('EIO: i/o error, close'), { errno: -5, code: 'EIO', syscall: 'close' });
  };
  const err = await j.close().then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string; field?: string },
  );
  assert.ok(err !== undefined, 'the close rejects');
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(err.field, 'reversal.journalDir');
  assert.match(err.message, new RegExp(`^reversal\\.journalDir: the reversal journal in ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} could not be closed: EIO`));
  assert.doesNotMatch(err.message, /4111/);
  // The lock is released: the folder opens again, its entry read back (it was durable before the close).
  const again = new FileJournal(dir, { compactInterval: 0 });
  const left = await again.open();
  assert.deepEqual(left.map((e) => e.id), ['e1']);
  await again.close();
});

// The folder lock when the folder's sync fails after the lock file is linked (an `rm -rf` landing between the link and
// the sync; here a sync failed with EIO, injected into the real FileHandle's `sync` for this test): the lock is let go
// (its file removed, its name free in this process), so that the next batch of the transaction log takes it again
// instead of being refused by its own pid until a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FileTransactionLog, TRANSACTION_LOCK_FILE } from '../src/index.js';
import type { TransactionRecord } from '../src/index.js';
import { tempDir } from './helpers/setup.js';

const rec = (stan: string): TransactionRecord => ({ at: Date.now(), node: 'n1', upstream: 'u', mti: '0200', stan, terminal: 'TERM0001', latencyMs: 1, outcome: 'approved' });

/** Makes the next `sync` of a FileHandle fail with EIO once `when()` holds; restored after the test. */
async function failSyncOnce(t: { after(fn: () => void): void }, scratch: string, when: () => boolean): Promise<{ fired: () => boolean }> {
  const probe = await open(join(scratch, 'sync-probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { sync: (this: FileHandle) => Promise<void> };
  await probe.close();
  rmSync(join(scratch, 'sync-probe'));
  const original = proto.sync;
  let fired = false;
  proto.sync = function sync(this: FileHandle): Promise<void> {
    if (!fired && when()) {
      fired = true;
      return Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    }
    return original.call(this);
  };
  t.after(() => {
    proto.sync = original;
  });
  return { fired: () => fired };
}

test('FileTransactionLog – a folder sync that fails after the lock is linked lets the lock go: the next batch takes it again', async (t) => {
  const root = tempDir(t, 'txlog-lock-sync');
  const dir = join(root, 'log');
  const lockPath = join(dir, TRANSACTION_LOCK_FILE);
  const log = new FileTransactionLog(dir, { syncInterval: 0 });
  t.after(() => log.close());
  await log.open();
  await log.record(rec('000001'));
  // The folder goes; the next batch reopens it, and the sync of the folder after the new lock's link fails.
  rmSync(dir, { recursive: true, force: true });
  let armed = true;
  const fault = await failSyncOnce(t, root, () => armed && existsSync(lockPath));
  await assert.rejects(log.record(rec('000002')), { code: 'ISO8583_ERR_CONNECTOR_TRANSACTION_LOG' });
  armed = false;
  assert.equal(fault.fired(), true, 'the fault was injected');
  // The lock file that was never whole is gone with the failure.
  assert.equal(existsSync(lockPath), false);
  await log.record(rec('000003'));
  await log.record(rec('000004'));
  assert.deepEqual((await log.query({})).map((r) => r.stan), ['000004', '000003']);
  await log.close();
  const again = new FileTransactionLog(dir);
  await again.open();
  await again.close();
});

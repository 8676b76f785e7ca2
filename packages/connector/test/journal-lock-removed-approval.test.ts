// An approval at the host while the file journal's lock is removed (its file still its own): the `done` is written and
// synced into the file the next start reads, so the caller is told approved (not failed), no reversal is sent from
// memory, and the next start owes nothing; the journal then stops (the next request is refused). Before, the `done`
// was refused: the caller was told failed and a reversal went from memory only, while the next start read the entry as
// ended. Real files, a real socket peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FileJournal, LOCK_FILE } from '../src/index.js';
import { purchase } from './peer.js';
import { heldAtHost } from './helpers/held-at-host.js';
import { tempDir } from './helpers/setup.js';

test('journal lock removed while an approval is at the host: the caller is told approved, nothing is reversed, the next start owes nothing', async (t) => {
  const dir = tempDir(t, 'lock-removed-approval');
  const journal = new FileJournal(dir, { compactInterval: 0 });
  const { peer, connector, atHost, answerHeld } = await heldAtHost(t, (m) => m['11'] === '009501', { reversal: { enabled: true, journal }, transactionLog: false });
  const outcome = connector.request(purchase('009501'));
  await atHost;
  rmSync(join(dir, LOCK_FILE), { force: true });
  answerHeld();
  const response = await outcome;
  assert.equal(response['39'], '00');
  await assert.rejects(connector.request(purchase('009502')), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(journal.halted()?.recordsLost, false);
  await connector.close();
  assert.deepEqual(peer.received.map((r) => `${String(r.message['0'])}/${String(r.message['11'])}`), ['0200/009501'], 'no reversal sent');
  const again = new FileJournal(dir, { compactInterval: 0 });
  t.after(() => again.close());
  assert.deepEqual(await again.open(), [], 'the next start owes nothing');
});

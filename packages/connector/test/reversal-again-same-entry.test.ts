// The reversal a late approval calls for, whose store failed after the store kept its record (a shared store's add
// that committed past its lease, or as its owner lock broke): every try of it is the same entry, so the store holds it
// once, and it is sent once, not once now and again by the next start (or by the node that claimed the first record).
// Here a store of a caller's (a file journal behind `ReversalJournal`) keeps the first add of the 0401 and then
// reports it failed. Real sockets and files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { JournalEntry } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { journalLines } from './helpers/reversals.js';
import { ObjectStore } from './helpers/object-store.js';

/** A store whose first add of a 0401 is kept (durable) and then reported failed. */
class KeptThenFailed extends ObjectStore {
  failed = false;
  override async add(entry: JournalEntry): Promise<void> {
    await this.journal.add(entry);
    if (!this.failed && entry.reversal['0'] === '0401') {
      this.failed = true;
      throw Object.assign(new Error('the store lost its hold as the add committed (test)'), { code: 'ISO8583_ERR_CONNECTOR_STORE' });
    }
  }
}

test('the reversal of a late approval stored again after an add that failed but kept its record is one entry: sent once, nothing left open', async (t) => {
  const dir = tempDir(t, 'again-same-entry');
  const journal = new FileJournal(dir);
  const store = new KeptThenFailed(journal);
  const { logger, lines } = capturedLogger('info');
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r;
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else p.send(r.socket, answer(r.message));
    },
    { requestTimeout: 300, logger, store, reversal: { enabled: true, retryInterval: 200 } },
  );
  await connector.connect();
  const repeatAnswered = eventWithin(10_000, 'the transaction was not reversed again within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage !== 'answered') return;
      // The first reversal ended (its answer undid nothing): the host approves the original now, late.
      if (e.mti === '0400') peer.send((held as Received).socket, answer((held as Received).message, { '39': '00' }));
      if (e.mti === '0401') resolve(e);
    }),
  );
  assert.equal((await failure(connector.request(purchase('071103')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await repeatAnswered;
  assert.ok(store.failed, 'the first store of it was reported failed');
  assert.ok(lines.some((l) => l.level === 30 && /late approval is stored now/.test(String(l.msg))), 'stored by a later try');
  const adds = journalLines(dir).filter((l) => l.op === 'add');
  assert.equal(adds.length, 2, 'two entries: the first reversal, and one of the late approval, written once');
  assert.equal(journal.size, 0, 'nothing left open: a later start sends no reversal again');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0401']);
  assert.equal(connector.stats().reversalsPending, 0);
});

// The late-answer memory of the SAF queue (saf-late.ts: the last unanswered attempt of each entry waiting for its
// next, by match key, with its message) holds an entry only while a late answer can still end it: an entry that leaves
// (expired, released to another node, or still waiting when the queue stops) is forgotten then, not kept until an
// answer comes under its key (none may ever come) or the connector is collected. Real sockets and files; the memory is
// read through the connector's internals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { Connector, ReversalEvent, ReversalJournal } from '../src/index.js';
import { connectorError } from '../src/errors.js';
import type { LateAnswers } from '../src/saf-late.js';
import { purchase } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { ObjectStore } from './helpers/object-store.js';

/** How many attempts `connector`'s SAF queue remembers for their late answers. */
function remembered(connector: Connector): number {
  return (connector as unknown as { reversals: { queue: { late: LateAnswers } } }).reversals.queue.late.size;
}

/**
 * A connector whose host answers nothing (the purchase times out, and its reversal's attempts): its first reversal
 * event at `stage`, and what the memory held right after the first `waiting` (the 0400 unanswered).
 */
async function unanswered(t: Parameters<typeof tempDir>[0], stage: ReversalEvent['stage'], saf: { expireAfter?: number; retryInterval?: number } = {}, store?: ReversalJournal) {
  const dir = tempDir(t, 'saf-late-memory');
  const { connector } = await peerAndConnector(t, () => undefined, {
    requestTimeout: 300,
    ...(store === undefined ? { reversal: { enabled: true, journalDir: dir, retryInterval: saf.retryInterval ?? 60_000 } } : { store, reversal: { enabled: true, retryInterval: saf.retryInterval ?? 60_000 } }),
    saf: { ...(saf.expireAfter === undefined ? {} : { expireAfter: saf.expireAfter }) },
  });
  await connector.connect();
  const reached = eventWithin<ReversalEvent>(10_000, `no reversal event ${stage} within 10 s`, (resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === stage) resolve(e);
    }),
  );
  // Remembered right after its `waiting` event (in the same turn): read in the next.
  const waiting = eventWithin<number>(10_000, 'no reversal event waiting within 10 s', (resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'waiting') setImmediate(() => resolve(remembered(connector)));
    }),
  );
  assert.equal((await failure(connector.request(purchase('071401')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  return { connector, reached, waiting };
}

test('SAF late-answer memory: an entry still waiting for its next attempt when the queue stops is forgotten', async (t) => {
  const { connector, waiting } = await unanswered(t, 'waiting');
  assert.equal(await waiting, 1, 'the unanswered 0400 is remembered while its entry waits');
  await connector.close();
  assert.equal(remembered(connector), 0, 'nothing remembered once stopped');
});

test('SAF late-answer memory: an entry that expires while waiting for its next attempt is forgotten', async (t) => {
  const { connector, reached, waiting } = await unanswered(t, 'expired', { expireAfter: 3000 });
  assert.equal(await waiting, 1, 'the unanswered 0400 is remembered while its entry waits');
  await reached;
  assert.equal(remembered(connector), 0, 'nothing remembered once it expired');
});

/** A store that gave every entry to another node after its first attempt (a shared store's lease lost). */
class TakenAfterFirst extends ObjectStore {
  override attempt(id: string, attempt: number): Promise<void | number> {
    if (attempt > 1) return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST', `entry ${id} is held by another node (test)`, { field: 'store' }));
    return this.journal.attempt(id, attempt);
  }
}

test('SAF late-answer memory: an entry released (another node took it) at its next attempt is forgotten', async (t) => {
  const store = new TakenAfterFirst(new FileJournal(tempDir(t, 'saf-late-memory-released')));
  const { connector, reached, waiting } = await unanswered(t, 'released', { retryInterval: 1000 }, store);
  assert.equal(await waiting, 1, 'the unanswered 0400 is remembered while its entry waits');
  await reached;
  assert.equal(remembered(connector), 0, 'nothing remembered once released');
});

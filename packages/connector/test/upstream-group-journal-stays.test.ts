// An upstream group never tries a request on another upstream while the first may still reverse it: its reversal entry
// was journaled there and could not be ended (the journal refused its `done`), or a shared store's hold broke before
// its write (another node may be reversing it, `STORE`). Another bank could approve it and that reversal then undo it
// (one bank by two links), or a repeat be approved and undone. Real peers on 127.0.0.1, a real file journal behind
// a store that refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { JournalOutcome } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Peer, PeerHandler } from './peer.js';
import { ObjectStore } from './helpers/object-store.js';
import { peerAndConnector, peerFor, startGroup, tempDir, upstream } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

const at = (peer: Peer, mti: string): string[] => peer.received.filter((r) => r.message['0'] === mti).map((r) => String(r.message['11']));

/** A file journal whose `done` of an original never sent (`not-needed`) fails. */
class DisarmFails extends ObjectStore {
  override async done(id: string, outcome: JournalOutcome): Promise<void> {
    if (outcome === 'not-needed') throw new Iso8583Error('ISO8583_ERR_CONNECTOR_JOURNAL', 'the journal cannot be written', { field: 'journal' });
    await this.journal.done(id, outcome);
  }
}

/** A store shared with other nodes whose hold has just broken: every original armed is past it (`heldSince` none). */
class HoldBroken extends ObjectStore {
  heldSince(): number | undefined {
    return undefined;
  }
}

test('upstream group journal stays – an original never written whose reversal entry could not be ended is reversed on its upstream, never sent to the backup', async (t) => {
  // The primary holds its purchases and answers the rest (reversals); its one connection is taken by the first purchase.
  const a = await peerFor(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  });
  const b = await peerFor(t);
  const store = new DisarmFails(new FileJournal(tempDir(t, 'group-disarm')));
  const primary = { ...upstream('primary', a), mode: 'exclusive' as const, pool: { min: 1, max: 1, acquireTimeout: 150 }, requestTimeout: 60_000, reversal: { enabled: true, journal: store } };
  const group = await startGroup(t, { upstreams: [primary, upstream('backup', b)] }, () => []);
  const first = failure(group.request(purchase('053001')));
  await waitUntil(() => at(a, '0200').length === 1, { what: 'the primary to get the first purchase' });
  // No connection free within 150 ms (never written), and its entry's end refused by the journal.
  const second = await failure(group.request(purchase('053002')));
  assert.deepEqual([second.code, second.sent], ['ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED', 'no']);
  assert.deepEqual(at(b, '0200'), [], 'the backup never got it: the primary reverses it');
  assert.equal(group.connectors.get('primary')?.holdsTransaction(purchase('053002')), true, 'held while its reversal is under way');
  await group.destroy();
  await first;
});

test('upstream group journal stays – a shared store whose hold broke before the write (STORE): never sent to the backup', async (t) => {
  const a = await peerFor(t);
  const b = await peerFor(t);
  const store = new HoldBroken(new FileJournal(tempDir(t, 'group-hold-broken')));
  const group = await startGroup(t, { upstreams: [{ ...upstream('primary', a), reversal: { enabled: true, journal: store } }, upstream('backup', b)] }, () => []);
  const err = await failure(group.request(purchase('053101')));
  assert.deepEqual([err.code, err.sent], ['ISO8583_ERR_CONNECTOR_STORE', 'no']);
  assert.deepEqual([at(a, '0200'), at(b, '0200')], [[], []], 'written nowhere');
});

/** A file journal whose `add` resolves only once `gate` opens, and whose `done` of an original never sent fails. */
class SlowAddDisarmFails extends DisarmFails {
  constructor(
    journal: FileJournal,
    private readonly gate: Promise<void>,
  ) {
    super(journal);
  }
  override async add(entry: Parameters<ObjectStore['add']>[0]): Promise<void> {
    await super.add(entry);
    await this.gate;
  }
}

test('upstream group journal stays – a lone connector: a repeat of an original never written whose entry could not be ended is refused while it is reversed (never approved, then undone)', async (t) => {
  let open = (): void => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const store = new SlowAddDisarmFails(new FileJournal(tempDir(t, 'lone-disarm')), gate);
  // The host answers purchases and repeats, never a reversal (it stays under way).
  const handler: PeerHandler = (r, p) => {
    if (r.message['0'] !== '0400' && r.message['0'] !== '0401') p.send(r.socket, answer(r.message));
  };
  const { peer, connector } = await peerAndConnector(t, handler, { reversal: { enabled: true, journal: store } });
  await connector.connect();
  // Its deadline passes while its reversal entry is journaled: never written, and the journal refuses its end.
  const deadline = performance.now() + 100;
  const original = failure(connector.request(purchase('053201'), { deadline }));
  setTimeout(open, 150);
  const err = await original;
  assert.deepEqual([err.code, err.sent], ['ISO8583_ERR_CONNECTOR_DEADLINE', 'no']);
  const repeat = await failure(connector.request({ ...purchase('053201'), '0': '0201' }));
  assert.deepEqual([repeat.code, repeat.sent], ['ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', 'no'], 'held while its entry is reversed');
  assert.deepEqual([at(peer, '0200'), at(peer, '0201')], [[], []]);
});

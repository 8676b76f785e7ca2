// A request or a SAF attempt with no time left does not start: a request whose deadline (send options) has passed
// (its turn in the terminal queue came late, a caller's deadline already gone) journals no reversal and takes no
// connection; a SAF attempt whose record took all of its flight (a shared store's `ends` passed) is not sent and not
// counted as a request. Before, each was begun (the reversal armed on disk, a connection taken, the attempt counted)
// and then failed ISO8583_ERR_CONNECTOR_DEADLINE, never written. One outcome each: the caller's DEADLINE (`sent: 'no'`),
// the entry's `waiting`. Real sockets, real file journals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { SafEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { advice, journalLines } from './helpers/reversals.js';
import { ObjectStore } from './helpers/object-store.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

test('a request whose deadline has passed journals no reversal and takes no connection: DEADLINE, never written', async (t) => {
  const dir = tempDir(t, 'deadline-passed-request');
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journalDir: dir },
    transactionLog: false,
  });
  await connector.connect();
  const before = connector.stats();
  await assert.rejects(connector.request(purchase('008801'), { deadline: performance.now() - 1 }), { code: 'ISO8583_ERR_CONNECTOR_DEADLINE', sent: 'no' });
  const lines = existsSync(join(dir, 'reversals.jsonl')) ? journalLines(dir) : [];
  assert.deepEqual(lines, [], 'no reversal armed (nor disarmed) on disk for a request that cannot leave');
  const after = connector.stats();
  assert.equal(after.requests - before.requests, 1, 'one request');
  assert.equal(after.errors - before.errors, 1, 'one outcome: its error');
  // One that can leave still goes.
  assert.equal((await connector.request(purchase('008802')))['39'], '00');
  assert.equal(peer.received.filter((r) => r.message['0'] === '0200').length, 1, 'only the second reached the host');
});

/** A store whose first `attempt` says its flight is over already (a shared store's `ends` in the past). */
class FlightSpent extends ObjectStore {
  spent = false;
  override async attempt(id: string, attempt: number): Promise<void | number> {
    await this.journal.attempt(id, attempt);
    if (this.spent) return undefined;
    this.spent = true;
    return performance.now() - 1;
  }
}

test('saf – an attempt whose record took all of its flight is not started: not sent, not counted, goes again', async (t) => {
  const dir = tempDir(t, 'deadline-passed-saf');
  const store = new FlightSpent(new FileJournal(dir));
  const { peer, connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    saf: { enabled: true, journal: store, initialDelay: 0, retryInterval: 50 },
    transactionLog: false,
  });
  await connector.connect();
  const events: SafEvent[] = [];
  const answered = new Promise<SafEvent>((resolve) =>
    connector.on('saf', (e) => {
      events.push(e);
      if (e.stage === 'answered') resolve(e);
    }),
  );
  const before = connector.stats();
  await connector.request(advice('008803'), { saf: true });
  const end = await within(answered, 10_000, 'the advice answered at its next attempt');
  const stages = events.map((e) => `${e.stage}/${e.attempt}${e.code === undefined ? '' : `/${e.code}`}`);
  assert.deepEqual(stages.slice(0, 2), ['queued/0', 'waiting/1/ISO8583_ERR_CONNECTOR_DEADLINE'], 'the attempt with no flight left did not start');
  assert.equal(events.filter((e) => e.stage === 'sent').length, 1, 'one attempt written');
  assert.equal(end.attempt, 1, 'the one not started is not counted');
  const after = connector.stats();
  assert.equal(after.requests - before.requests, 1, 'the attempt that did not start is not a request');
  assert.equal(after.errors - before.errors, 0);
  assert.equal(peer.received.filter((r) => String(r.message['0']).startsWith('022')).length, 1, 'the host got one advice');
});

// A shared store (PostgreSQL) out of reach when a SAF entry ends: the end waits until `done` commits (another node
// must not send an answered entry again), and the failure is logged once, not every retryInterval. A real file journal
// behind a store whose `done` fails with the store's code a given number of times, real sockets. (A file journal that
// cannot write a `done`: saf-done-fault.test.ts, journal-removed-saf-end.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { JournalOutcome, SafEvent } from '../src/index.js';
import { answer } from './peer.js';
import { advice } from './helpers/reversals.js';
import { ObjectStore } from './helpers/object-store.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** A file journal whose `done` of a delivered entry fails `failures` times with `code`, then goes through; `order` tells when. */
class DoneFails extends ObjectStore {
  readonly order: string[] = [];
  private left: number;
  constructor(
    journal: FileJournal,
    failures: number,
    private readonly code: 'ISO8583_ERR_CONNECTOR_STORE',
  ) {
    super(journal);
    this.left = failures;
  }
  override async done(id: string, outcome: JournalOutcome): Promise<void> {
    if (outcome === 'delivered' && this.left > 0) {
      this.left -= 1;
      this.order.push('done failed');
      throw new Iso8583Error(this.code, 'the store cannot be written', { field: 'store' });
    }
    await this.journal.done(id, outcome);
    this.order.push('done');
  }
}

/** An advice stored and answered at once; its `done` fails `failures` times. `answered`: its event, once `done` commits. */
async function adviceStored(t: AfterHook, failures: number) {
  const dir = tempDir(t, 'saf-end-retry');
  const { logger, lines } = capturedLogger('info');
  const store = new DoneFails(new FileJournal(dir, { logger }), failures, 'ISO8583_ERR_CONNECTOR_STORE');
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journal: store },
    logger,
    saf: { initialDelay: 0, retryInterval: 200 },
    transactionLog: false,
  });
  await connector.connect();
  const answered = new Promise<SafEvent>((resolve) =>
    connector.on('saf', (e) => {
      if (e.stage !== 'answered') return;
      store.order.push('answered');
      resolve(e);
    }),
  );
  await connector.request(advice('009401'), { saf: true });
  return { dir, lines, store, connector, answered };
}

const failures = (lines: Record<string, unknown>[]): Record<string, unknown>[] =>
  lines.filter((l) => typeof l.msg === 'string' && (l.msg.startsWith('the end of a SAF entry cannot be journaled') || l.msg.startsWith('cannot mark a SAF entry done')));

test('a shared store out of reach for a SAF end: the end waits until done commits, logged once', async (t) => {
  const { lines, store, connector, answered } = await adviceStored(t, 3);
  await answered;
  assert.deepEqual(store.order, ['done failed', 'done failed', 'done failed', 'done', 'answered']);
  assert.equal(connector.stats().safDelivered, 1);
  const logged = failures(lines);
  assert.equal(logged.length, 1, 'logged once, not every retryInterval');
  assert.equal(logged[0]?.msg, 'cannot mark a SAF entry done in the journal: not sent again, tried again every retryInterval');
});

test('a shared store out of reach for a SAF end: the entry is not ended until done commits (in the SAF depth), and a stop leaves it open, counted as left', async (t) => {
  const { dir, store, connector } = await adviceStored(t, Infinity);
  await waitUntil(() => store.order.length >= 2, { what: 'the done to fail twice' });
  const s = connector.stats();
  assert.equal(s.safDepth, 1, 'answered, but its end waits for done: not ended yet');
  assert.equal(s.reversalsPending, 0, 'an advice, not a reversal');
  assert.equal(s.safDelivered, 0);
  await connector.close();
  assert.equal(connector.stats().safDepth, 1, 'what the stop reports: left in the journal, the next start sends it');
  assert.equal(connector.stats().safUnrecorded, 0, 'not ended in memory');
  // What the figures promised: the entry is still open, with the attempt that was answered.
  const again = new FileJournal(dir);
  t.after(() => again.close());
  const open = await again.open();
  assert.deepEqual(open.map((e) => `${String(e.reversal['11'])}/${String(e.attempts)}`), ['009401/1']);
});

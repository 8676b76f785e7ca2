// A journal whose store went silent (a host hung, a network that drops every packet) after its owner lock's session
// was given up for hanging: its destroy (a close cut past its bound) settles at once. The cut kept the hung session's
// process to end, and the close went on to end it over a new connection to the silent store, bounded only by the
// pool's connect timeout (5 s) and statement timeout: `Connector.destroy` waited for a store that stopped answering.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { eventWithin, freezingRelay, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { capturedLogger } from './helpers/setup.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Far below the 5 s it took (the pool's connect timeout), with room for a busy machine. */
const DESTROY_WITHIN_MS = 2000;

/**
 * A journal (a lease of 3 s: renewals and pings every second, a ping's bound 1 s) behind a relay that goes silent at
 * once; resolves once the lock's hung session was given up (`onHung` called as that is logged), with the lines logged.
 */
async function hungOnSilentStore(t: TestContext, database: string, onHung: (journal: PgJournal) => void): Promise<{ journal: PgJournal; lines: Array<Record<string, unknown>> }> {
  const relay = await freezingRelay(cluster.createDatabase(database));
  t.after(() => relay.close());
  const node: { journal?: PgJournal } = {};
  let hung = false;
  const { lines, logger } = capturedLogger('warn', (line) => {
    if (line.code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST' && line.pingWait !== undefined && node.journal !== undefined) {
      hung = true;
      onHung(node.journal);
    }
  });
  const journal = new PgJournal({ url: relay.url, lease: 3000, owner: 'silent-node', logger });
  node.journal = journal;
  t.after(() => journal.destroy());
  await journal.open();
  relay.freeze();
  await waitUntil(() => hung, { what: 'the owner lock\'s hung session to be given up', timeoutMs: 15_000 });
  return { journal, lines };
}

/** Waits for `destroying` to settle, failing the test once {@link DESTROY_WITHIN_MS} have passed. */
function settlesSoon(destroying: Promise<void>, what: string): Promise<void> {
  return eventWithin<void>(DESTROY_WITHIN_MS, `destroy did not settle within ${DESTROY_WITHIN_MS} ms of a silent store (${what})`, (resolve, reject) => {
    destroying.then(resolve, reject);
  });
}

test('destroy of a journal whose store went silent, its owner lock given up for hanging, does not wait for the store', async (t) => {
  let destroying: Promise<void> | undefined;
  // Destroyed as the hung session is given up (logged at once), before a renewal tries to take the lock again.
  const { lines } = await hungOnSilentStore(t, 'owner_cut_hung', (journal) => (destroying ??= journal.destroy()));
  assert.ok(destroying !== undefined);
  await settlesSoon(destroying, 'it waited for a new connection to end the hung session');
  assert.equal(lines.filter((l) => l.code === 'ISO8583_ERR_CONNECTOR_STORE_LEASE_LOST').length, 1);
  assert.ok(lines.some((l) => typeof l.msg === 'string' && l.msg.includes('hung session is not ended')), 'the hung session left holding the lock is logged');
});

// The cap on repeats a late approval calls for (reversal-again.ts REPEATS_AGAIN_MAX) was each process's memory: with
// PostgreSQL the row whose repeat node A refused stayed owed (REPEATS_OWED), so node B, counting afresh, or node A
// after a restart, stored and sent the repeat A had refused: one 0401 past the cap, the operator told it was not sent.
// Now the refusal is recorded on the row (schema-saf.ts step 16): no node stores it after, nor the same after a restart,
// and the coded line stays A's one line.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { REPEATS_AGAIN_MAX, ReversalsAgain } from '../src/reversal-again.js';
import { ReversalPlan } from '../src/reversal-message.js';
import { repeatOf } from '../src/reversal-overtaken.js';
import { capturedLogger } from './helpers/setup.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const dialect = getDialect('iso87ascii');
const CODE = 'ISO8583_WARN_SAF_REPEATS_CAPPED';
const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '7': '1121103000', '11': '000202', '41': 'TERM0001', '49': '840' };
const approval: IsoMessage = { '0': '0210', '4': '000000001000', '7': '1121103000', '11': '000202', '38': 'APP004', '39': '00', '41': 'TERM0001' };

/** A node's stores of the repeats late approvals call for, on journal `journal`, as reversal.ts wires them. */
function node(journal: PgJournal) {
  const log = capturedLogger('info');
  const again = new ReversalsAgain(new ReversalPlan('0400', dialect), { logger: log.logger }, async (message, id) => (await journal.add({ id, reversal: message, at: Date.now() })) !== 'exists', 60_000, dialect, undefined, journal.capRepeat.bind(journal));
  /** What reversal-follow.ts `owed` does with each repeat owed: stores it under its id. */
  const readOwed = async (): Promise<number> => {
    const owed = await journal.repeatsOwed();
    for (const o of owed) await again.store({ reversal: repeatOf(o.reversal), responseCode: o.responseCode, approval: o.approval }, false, o.againId);
    return owed.length;
  };
  return { log, again, readOwed };
}

test('a repeat the cap refused on node A is owed no more: node B does not send it, nor A after a restart', async (t) => {
  const url = cluster.createDatabase('repeats_capped_shared');
  const a = new PgJournal({ url, lease: 3000, owner: 'node-a' });
  const b = new PgJournal({ url, lease: 3000, owner: 'node-b' });
  await a.open();
  await b.open();
  t.after(() => b.close());
  // The transaction's reversal answered 25 on A, then a late approval of it (the chain's 4th) found that code on A.
  await a.add({ id: 'rev-0200', reversal, at: Date.now() });
  await a.attempt('rev-0200', 1);
  assert.equal(await a.undidNothing('rev-0200', '25'), undefined);
  await a.done('rev-0200', 'reversed');
  const found = await a.lateApproval(approval);
  assert.ok(found !== undefined, 'the late approval finds the 25');
  assert.equal(found.againId, 'rev-0200.again');
  // Node A has stored REPEATS_AGAIN_MAX repeats of the original already (the chain so far): the cap refuses this one.
  const nodeA = node(a);
  for (let i = 1; i <= REPEATS_AGAIN_MAX; i += 1) {
    await nodeA.again.store({ reversal: repeatOf(reversal), responseCode: '25', approval }, false, `chain-${i}`);
    await a.attempt(`chain-${i}`, 1);
    await a.done(`chain-${i}`, 'reversed'); // each answered (the 25 that called for the next approval)
  }
  await nodeA.again.store({ reversal: repeatOf(found.reversal), responseCode: found.responseCode, approval }, false, found.againId);
  assert.equal(nodeA.log.lines.filter((l) => l.code === CODE).length, 1, 'A refused it, at error, once');
  const stored = async (): Promise<string[]> => (await sql<{ id: string }>(url, "SELECT id FROM iso8583_saf WHERE id = 'rev-0200.again'")).map((r) => r.id);

  // Node B, counting afresh, reads the repeats owed (every minute): nothing, so nothing stored.
  const nodeB = node(b);
  assert.equal(await nodeB.readOwed(), 0, 'the refused repeat is owed to no node');
  assert.deepEqual(await stored(), [], 'node B stored no repeat the cap refused');
  // A copy of the approval reaching B finds no code to repeat either.
  assert.equal(await b.lateApproval(approval), undefined, 'the look-up returns no repeat the cap refused');

  // Node A restarts (its count gone): still owed nowhere.
  await a.close();
  const a2 = new PgJournal({ url, lease: 3000, owner: 'node-a' });
  await a2.open();
  t.after(() => a2.close());
  assert.equal(await node(a2).readOwed(), 0, 'nothing owed after A\'s restart');
  assert.deepEqual(await stored(), [], 'no repeat past the cap, on any node');
  assert.equal(nodeB.log.lines.filter((l) => l.code === CODE || l.code === 'ISO8583_WARN_SAF_REVERSED_AGAIN').length, 0, 'B logged no second refusal nor a repeat');
  // The row's outcome stays what the console and stats show: reversed, ended (the refusal is a mark, no new outcome).
  const [row] = await sql<{ outcome: string; capped: boolean }>(url, "SELECT outcome, repeats_capped_at IS NOT NULL AS capped FROM iso8583_saf WHERE id = 'rev-0200'");
  assert.deepEqual({ ...row }, { outcome: 'reversed', capped: true });
});

// A late approval that finds no row to wait on right now (fix68a #5): the transaction's reversal rev-c is pending with
// another approval (A1) left on it, and A2 (a retransmitted request's approval, other fields 37/38) comes. One approval
// waits on each row (overtaken-sql.ts `LATE_APPROVAL`), so A2 is not placed. Before, it was logged at once
// (ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED) and dropped, though rev-c's 25 stores its repeat rev-c.again moments later
// (here "another node": the test's own calls), a row A2 can wait on: the approval stood at the bank, no reversal. Now
// the look-up says "not placed" and the follow looks A2 up again every retryInterval until placed (its repeat's 25 then
// reverses A2), and logs it at error only when its window ends or at the stop. Real server, the journal's own
// statements, the follow and the repeat stores as reversal.ts wires them; each step waits for the look-up's answer (an
// event), never a sleep.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, before, test } from 'node:test';
import { getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { ReversalsAgain } from '../src/reversal-again.js';
import { ReversalFollowUp } from '../src/reversal-follow.js';
import { ReversalPlan } from '../src/reversal-message.js';
import { OVERTAKEN_FOR_MS, OvertakenReversals, repeatOf } from '../src/reversal-overtaken.js';
import { capturedLogger } from './helpers/setup.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

const dialect = getDialect('iso87ascii');
const CODE = 'ISO8583_WARN_SAF_LATE_APPROVAL_NOT_PLACED';
const reversal: IsoMessage = { '0': '0400', '3': '000000', '4': '000000001000', '7': '1121103000', '11': '000404', '41': 'TERM0001' };
const approval = (auth: string, rrn: string): IsoMessage => ({
  '0': '0210', '4': '000000001000', '7': '1121103000', '11': '000404', '37': rrn, '38': auth, '39': '00', '41': 'TERM0001',
});
const a1 = approval('AUTH01', '000000000001');
const a2 = approval('AUTH02', '000000000002');

/**
 * A journal of its own database, the root rev-c attempted (pending) with A1 left on it, and a node's follow-up on it
 * (`retryInterval` ms between look-ups): `looked` emits each look-up's answer, `lines` what the node logged.
 */
async function node(name: string, t: { after(fn: () => Promise<void> | void): void }, retryInterval: number) {
  const events = new EventEmitter();
  const { logger, lines } = capturedLogger('info', (line) => events.emit('line', line));
  const journal = new PgJournal({ url: cluster.createDatabase(name), lease: 60_000, owner: 'node-a', logger });
  await journal.open();
  t.after(() => journal.close());
  const overtaken = new OvertakenReversals(dialect, ['4']);
  await journal.add({ id: 'rev-c', reversal, at: Date.now() });
  await journal.attempt('rev-c', 1);
  assert.equal(await journal.lateApproval(overtaken.kept(a1), undefined, overtaken.bookingOf(a1)), undefined, 'A1 left on the pending root');
  const stored: string[] = [];
  const add = async (message: IsoMessage, id: string): Promise<boolean> => {
    stored.push(id);
    return (await journal.add({ id, reversal: message, at: Date.now() })) !== 'exists';
  };
  const again = new ReversalsAgain(new ReversalPlan('0400', dialect), { logger }, add, retryInterval, dialect, undefined, journal.capRepeat.bind(journal));
  // The journal as the follow sees it, each look-up's answer told (the order of the test's steps, not a timing).
  const shared: ConstructorParameters<typeof ReversalFollowUp>[2] = {
    lateApproval: async (...args) => {
      const found = await journal.lateApproval(...args);
      events.emit('looked', found);
      return found;
    },
    undidNothing: journal.undidNothing.bind(journal),
    repeatsOwed: journal.repeatsOwed.bind(journal),
    retireOvertaken: journal.retireOvertaken.bind(journal),
  };
  const follow = new ReversalFollowUp(overtaken, again, shared, { logger });
  t.after(() => follow.stop());
  /** The next look-up's answer that `accept` takes, within a deadline. */
  const lookedUp = (what: string, accept: (found: unknown) => boolean): Promise<unknown> =>
    eventWithin(10_000, `no look-up of A2 answered ${what}`, (resolve) => {
      const seen = (found: unknown): void => {
        if (!accept(found)) return;
        events.off('looked', seen);
        resolve(found);
      };
      events.on('looked', seen);
    }, { keepAlive: true });
  /** The first line logged with {@link CODE} from now, within a deadline. */
  const reported = (): Promise<Record<string, unknown>> =>
    eventWithin(10_000, `no ${CODE} line`, (resolve) => {
      const seen = (line: Record<string, unknown>): void => {
        if (line.code !== CODE) return;
        events.off('line', seen);
        resolve(line);
      };
      events.on('line', seen);
    }, { keepAlive: true });
  return { journal, lines, stored, follow, lookedUp, reported };
}

test('a late approval not placed waits for the repeat stored moments later, which reverses it (fix68a #5)', async (t) => {
  const { journal, lines, stored, follow, lookedUp } = await node('not_placed_retry', t, 20);
  // Its first look-up finds rev-c held by A1 (before the fix it was logged and dropped there; now "not placed").
  const first = lookedUp('at all', () => true);
  assert.equal(follow.lateAnswer(a2, Date.now()), false, 'nothing in memory to repeat');
  await first;
  // rev-c is answered 25 (another node's attempt): it reverses A1, whose repeat is stored; A2 may wait on that one.
  const left = await journal.undidNothing('rev-c', '25');
  assert.equal(left?.approval['38'], 'AUTH01', 'the root\'s 25 reverses A1, the approval left first');
  const placed = lookedUp('placed (undefined), once rev-c.again was stored', (found) => found === undefined);
  await journal.done('rev-c', 'reversed');
  assert.equal(await journal.add({ id: left.againId, reversal: repeatOf(reversal), at: Date.now() }), undefined, 'A1\'s repeat stored');
  await journal.attempt(left.againId, 1);
  await placed;
  assert.deepEqual(lines.filter((l) => l.code === CODE), [], 'not reported: it was placed');
  const next = await journal.undidNothing(left.againId, '25');
  assert.equal(next?.approval['38'], 'AUTH02', 'the repeat\'s 25 reverses A2, the approval that waited on it');
  assert.equal(next.againId, 'rev-c.again.again');
  assert.deepEqual(stored, [], 'this node stored nothing for A2 before the repeat\'s 25');
});

test('a late approval still not placed at the stop is logged at error, NOT reversed', async (t) => {
  const { lines, follow, lookedUp, reported } = await node('not_placed_stop', t, 60_000);
  const first = lookedUp('"not placed"', (found) => found === 'not-placed');
  follow.lateAnswer(a2, Date.now());
  await first;
  assert.deepEqual(lines.filter((l) => l.code === CODE), [], 'not reported while it may still be placed');
  const report = reported();
  follow.stop();
  const line = await report;
  assert.equal(line.code, CODE);
  assert.equal(line.level, 50, 'at error');
  assert.equal(line.stan, '000404');
});

test('a late approval not placed within its window (10 minutes from its arrival) is logged at error, NOT reversed', async (t) => {
  const { lines, follow, lookedUp, reported } = await node('not_placed_window', t, 60_000);
  const first = lookedUp('"not placed"', (found) => found === 'not-placed');
  const report = reported();
  // It came 9.5 minutes ago (a request of its transaction in flight decided first): less than a retryInterval is left.
  follow.lateAnswer(a2, Date.now() - OVERTAKEN_FOR_MS + 30_000);
  await first;
  const line = await report;
  assert.equal(line.code, CODE);
  assert.equal(line.level, 50, 'at error');
  assert.equal(lines.filter((l) => l.code === CODE).length, 1, 'once');
});

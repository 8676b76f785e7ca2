// The file journal's records of reversals that undid nothing are counted by transaction (STAN and terminal), so that
// an approval in time of a transaction none of them names is told so by one look-up (`retiring`), not a scan of up to
// 1,000 records. The counts must stay those of the records through every change: noted, noted again, kept when its
// `done` takes effect, dropped past the most kept, retired by a repeat's add or by an approval in time, expired at a
// compaction (`text`); a reopened journal starts a new OvertakenKept (the replay turns the records into repeats).
// Counts, not timing; behaviour is the journal-overtaken-* tests'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { pino } from 'pino';
import { OvertakenKept } from '../src/journal-overtaken.js';
import { OVERTAKEN_FOR_MS } from '../src/reversal-overtaken.js';

const logger = pino({ enabled: false });

/** The reversal of the purchase of STAN `stan` at TERM0001 for 10.00. */
function reversal(stan: string, mti = '0400'): IsoMessage {
  return { '0': mti, '2': '4111111111111111', '4': '000000001000', '11': stan, '41': 'TERM0001', '90': `0200${stan}` };
}

const key = (stan: string): string => `${stan}|TERM0001`;

/** The entries live in the journal, by id: their `add` lines. */
const live = new Map<string, string>();

/** Adds entry `id` (the reversal of STAN `stan`) to `live`; returns its add line. */
function added(id: string, stan: string, mti = '0400'): string {
  const line = JSON.stringify({ op: 'add', id, reversal: reversal(stan, mti), at: 1 });
  live.set(id, line);
  return line;
}

/** Entry `id`'s end undid nothing (`since`): noted, its `done` line made, then taken effect (kept). */
function undidNothing(kept: OvertakenKept, id: string, stan: string, since = Date.now()): void {
  kept.note(id, { rc: '25', since }, added(id, stan));
  kept.doneLine(id, 'reversed', Date.now());
  kept.committed([id], [undefined], live);
}

const counts = (kept: OvertakenKept) => {
  const { kept: k, noted: n } = kept.keyCounts();
  return { kept: Object.fromEntries(k), noted: Object.fromEntries(n) };
};

test('the records kept and noted are counted by transaction through note, keep, drop, retire, approval in time and expiry', () => {
  const kept = new OvertakenKept(logger, 2);
  kept.note('a', { rc: '25', since: Date.now() }, added('a', '000001'));
  kept.note('a', { rc: '25', since: Date.now() }, live.get('a'));
  assert.deepEqual(counts(kept), { kept: {}, noted: { [key('000001')]: 1 } }, 'noted twice: one record');
  kept.doneLine('a', 'reversed', Date.now());
  kept.committed(['a'], [undefined], live);
  assert.deepEqual(counts(kept), { kept: { [key('000001')]: 1 }, noted: {} }, 'kept once its done took effect');
  undidNothing(kept, 'b', '000002');
  undidNothing(kept, 'c', '000003');
  assert.deepEqual(counts(kept), { kept: { [key('000002')]: 1, [key('000003')]: 1 }, noted: {} }, 'the oldest dropped past the most kept');
  assert.equal(kept.size, 2);

  // A repeat's add retires the records of its transaction.
  kept.retire(reversal('000002', '0401'));
  assert.deepEqual(counts(kept), { kept: { [key('000003')]: 1 }, noted: {} });

  // An approval in time of another transaction: no record of it, nothing retiring.
  kept.retiring({ id: 'x', reversal: reversal('000009', '0200'), at: 1 });
  assert.equal(kept.retires('x'), false);
  // Of the kept one's: its done retires it.
  kept.retiring({ id: 'e3', reversal: { ...reversal('000003', '0201') }, at: 1 });
  assert.equal(kept.retires('e3'), true);
  kept.doneLine('e3', 'not-needed', Date.now());
  kept.committed(['e3'], [undefined], live);
  assert.deepEqual(counts(kept), { kept: {}, noted: {} });

  // Of a noted one's (its done not taken effect yet): retired too.
  kept.note('d', { rc: '25', since: Date.now() }, added('d', '000004'));
  kept.doneLine('d', 'reversed', Date.now());
  assert.deepEqual(counts(kept), { kept: {}, noted: { [key('000004')]: 1 } });
  kept.retiring({ id: 'e4', reversal: reversal('000004', '0201'), at: 1 });
  kept.doneLine('e4', 'not-needed', Date.now());
  kept.committed(['e4'], [undefined], live);
  assert.deepEqual(counts(kept), { kept: {}, noted: {} });

  // Past its window: dropped by the compaction's text.
  undidNothing(kept, 'f', '000006', Date.now() - OVERTAKEN_FOR_MS - 1_000);
  undidNothing(kept, 'g', '000007');
  assert.deepEqual(counts(kept).kept, { [key('000006')]: 1, [key('000007')]: 1 });
  assert.notEqual(kept.text(Date.now()), '');
  assert.deepEqual(counts(kept), { kept: { [key('000007')]: 1 }, noted: {} });
  assert.deepEqual(kept.ends(Date.now()).map((e) => e.stan), ['000007']);
});

test('two records of one transaction count two; retiring one booking leaves an older transaction under the STAN counted', () => {
  const kept = new OvertakenKept(logger);
  undidNothing(kept, 'p', '000010');
  // An older transaction reusing the STAN: another amount.
  const older = { ...reversal('000010'), '4': '000000002000' };
  kept.note('q', { rc: '25', since: Date.now() }, JSON.stringify({ op: 'add', id: 'q', reversal: older, at: 1 }));
  live.set('q', JSON.stringify({ op: 'add', id: 'q', reversal: older, at: 1 }));
  kept.doneLine('q', 'reversed', Date.now());
  kept.committed(['q'], [undefined], live);
  assert.deepEqual(counts(kept), { kept: { [key('000010')]: 2 }, noted: {} });
  kept.retiring({ id: 'e', reversal: reversal('000010', '0201'), at: 1 });
  kept.doneLine('e', 'not-needed', Date.now());
  kept.committed(['e'], [undefined], live);
  assert.deepEqual(counts(kept), { kept: { [key('000010')]: 1 }, noted: {} }, 'the other booking\'s record stays counted');
  assert.deepEqual(kept.ends(Date.now()).map((e) => e.id), ['q~1']);
});

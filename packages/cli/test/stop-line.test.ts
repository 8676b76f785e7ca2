// The line a graceful stop ends with says what the SAF queues still hold, and whether the next start can send it:
// entries held in memory only (their journal lost its records: its folder removed) are named as such, at error, never
// as "left in the journal"; entries that ended in memory, their end refused by a journal that kept its records, are
// named as what the next start may send again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Connector } from '@iso8583/connector';
import { logStopped } from '../src/drain.js';

/** A connector as the stop line reads it: its SAF figures only. */
const withSaf = (reversals: number, depth: number, notDurable: number, unrecorded = 0): Connector =>
  ({ stats: () => ({ reversalsPending: reversals, safDepth: depth, safNotDurable: notDurable, safUnrecorded: unrecorded }) }) as unknown as Connector;

function stopLine(connectors: Connector[], end?: Parameters<typeof logStopped>[3]): Record<string, unknown> {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  }));
  logStopped(logger, 'gateway', connectors, end);
  assert.equal(lines.length, 1);
  return lines[0] as Record<string, unknown>;
}

test('stop line – nothing left: info "gateway stopped"', () => {
  const line = stopLine([withSaf(0, 0, 0)]);
  assert.equal(line.level, 30);
  assert.equal(line.msg, 'gateway stopped');
});

test('stop line – entries left in a working journal: warn, the next start sends them', () => {
  const line = stopLine([withSaf(1, 2, 0)]);
  assert.equal(line.level, 40);
  assert.equal(line.msg, 'gateway stopped with SAF entries left in the journal: the next start sends them');
  assert.equal(line.code, 'ISO8583_WARN_STOPPED_SAF_LEFT', 'coded, as every warn line (rv68h #2)');
  assert.deepEqual(line.safLeft, { reversals: 1, advices: 1 });
});

test('stop line – a failed stop with entries left: error, coded as the other forms (sr68i #4)', () => {
  const line = stopLine([withSaf(1, 2, 0)], { failed: 'ISO8583_ERR_CONNECTOR_CLOSED' });
  assert.equal(line.level, 50);
  assert.match(String(line.msg), /^gateway stop failed \(ISO8583_ERR_CONNECTOR_CLOSED\), with SAF entries left/);
  assert.equal(line.code, 'ISO8583_WARN_STOPPED_SAF_LEFT');
});

test('stop line – entries held in memory only (their journal lost its records): error, the next start does NOT send them', () => {
  const line = stopLine([withSaf(1, 1, 1), withSaf(0, 1, 0)]);
  assert.equal(line.level, 50);
  assert.equal(line.msg, "gateway stopped with SAF entries left, 1 of them in memory only (their journal's records are lost): the next start does NOT send those");
  assert.equal(line.code, 'ISO8583_WARN_STOPPED_SAF_LEFT');
  assert.equal(line.notDurable, 1);
  assert.deepEqual(line.safLeft, { reversals: 1, advices: 1 });
});

test('stop line – entries that ended in memory, their end not recorded in a journal that kept its records: warn, the next start may send them again', () => {
  const line = stopLine([withSaf(0, 0, 0, 1)]);
  assert.equal(line.level, 40);
  assert.equal(line.msg, 'gateway stopped with 1 SAF entry ended but not recorded in the journal: the next start may send it again (a repeat)');
  assert.equal(line.unrecorded, 1);
  assert.deepEqual(line.safLeft, { reversals: 0, advices: 0 });
});

test('stop line – entries left and entries ended but not recorded: both named, one line', () => {
  const line = stopLine([withSaf(0, 1, 0, 2)]);
  assert.equal(line.level, 40);
  assert.equal(
    line.msg,
    'gateway stopped with SAF entries left in the journal: the next start sends them; 2 SAF entries ended but not recorded in the journal: the next start may send them again (a repeat)',
  );
  assert.equal(line.notDurable, undefined);
});

test('stop line – reversals owed NOT in the database (a response that could not be recorded, its reopen never stored): error, with their own count (rv69b #1)', () => {
  const owed = { stats: () => ({ reversalsPending: 1, safDepth: 1, safNotDurable: 1, safNotStored: 1, safUnrecorded: 0 }) } as unknown as Connector;
  const line = stopLine([owed]);
  assert.equal(line.level, 50);
  assert.equal(line.notStored, 1);
  assert.equal(line.notDurable, undefined, 'not told as a journal that lost its records');
  assert.equal(line.msg, 'gateway stopped with 1 reversal of responses that could not be recorded NOT in the database (the store may hold its entry done): neither the next start nor another node sends it; reverse by hand');
  assert.doesNotMatch(String(line.msg), /the next start sends them/, 'before the fix: "SAF entries left in the journal: the next start sends them"');
});

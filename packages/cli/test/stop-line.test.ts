// The line a graceful stop ends with says what the SAF queues still hold, and whether the next start can send it:
// entries held in memory only (their journal could not be written: a full disk, a removed folder) are named as such,
// at error, never as "left in the journal".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Connector } from '@iso8583/connector';
import { logStopped } from '../src/drain.js';

/** A connector as the stop line reads it: its SAF figures only. */
const withSaf = (reversals: number, depth: number, notDurable: number): Connector =>
  ({ stats: () => ({ reversalsPending: reversals, safDepth: depth, safNotDurable: notDurable }) }) as unknown as Connector;

function stopLine(connectors: Connector[]): Record<string, unknown> {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  }));
  logStopped(logger, 'gateway', connectors);
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
  assert.deepEqual(line.safLeft, { reversals: 1, advices: 1 });
});

test('stop line – entries held in memory only (the journal could not be written): error, the next start does NOT send them', () => {
  const line = stopLine([withSaf(1, 1, 1), withSaf(0, 1, 0)]);
  assert.equal(line.level, 50);
  assert.equal(line.msg, 'gateway stopped with SAF entries left, 1 of them in memory only (their journal could not be written): the next start does NOT send those');
  assert.equal(line.notDurable, 1);
  assert.deepEqual(line.safLeft, { reversals: 1, advices: 1 });
});

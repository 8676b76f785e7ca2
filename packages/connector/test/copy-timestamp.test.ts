// The PostgreSQL transaction log's time text (copyTimestamp): a record's `at` (ms since the epoch, maybe with a
// fraction) as COPY text for a timestamptz, UTC, to the microsecond; the text of the date and second is cached per
// second, so times out of order, a fraction rounded up into the next second, and any whole millisecond must still read
// as `Date.toISOString` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyTimestamp } from '../src/pg/transaction-sql.js';

const BASE = Date.UTC(2026, 10, 30, 21, 0, 0);

test('copyTimestamp – milliseconds, microseconds and the rounding of the fraction', () => {
  const cases: [number, string][] = [
    [0, '1970-01-01T00:00:00.000Z'],
    [BASE, '2026-11-30T21:00:00.000Z'],
    [BASE + 5, '2026-11-30T21:00:00.005Z'],
    [BASE + 5.5, '2026-11-30T21:00:00.005500Z'],
    [BASE + 12.25, '2026-11-30T21:00:00.012250Z'],
    [BASE + 999.001, '2026-11-30T21:00:00.999001Z'],
    [BASE + 7.0004, '2026-11-30T21:00:00.007Z'], // under half a microsecond: none
    [BASE + 999.9996, '2026-11-30T21:00:01.000Z'], // rounded up into the next second
    [BASE - 1000 + 0.5, '2026-11-30T20:59:59.000500Z'], // an earlier second after a later one
    [BASE + 86_400_000 + 42, '2026-12-01T21:00:00.042Z'],
  ];
  for (const [at, text] of cases) assert.equal(copyTimestamp(at), text, String(at));
});

test('copyTimestamp – any whole millisecond reads as Date.toISOString, in any order (the cache of the second)', () => {
  let seed = 7;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  for (let i = 0; i < 5_000; i++) {
    // Mostly within a few seconds of each other (the cache kept), sometimes anywhere from 1970 to 2106.
    const at = i % 10 === 0 ? next() * 2000 : BASE + (next() % 5000);
    assert.equal(copyTimestamp(at), new Date(at).toISOString(), String(at));
  }
});

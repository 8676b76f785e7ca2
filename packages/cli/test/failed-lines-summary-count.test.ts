// The line that tells, once a burst of failed requests (5xx) is over, how many of their lines were left out counts
// exactly those. Before, its check (each second while the burst lasted) counted itself as one more failure left out
// whenever it found the second's lines all written: a burst lasting N seconds overstated by about N - 1. The check's
// timer and the cap's second are node:test's mock clock, ticked by hand (the cap reads `performance.now()`, here the
// mocked `Date.now()`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { FAILED_REQUEST_LINES_PER_SECOND, takeFailedLine } from '../src/http/refused-lines.js';

test('takeFailedLine – the summary after a burst of two seconds tells exactly the lines left out', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  t.mock.method(performance, 'now', () => Date.now());
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const code = 'ISO8583_ERR_CONNECTOR_STORE';
  let leftOut = 0;
  let told = 0;
  /** `count` failures of the same status and code, at the mock clock's time. */
  const fail = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const taken = takeFailedLine(logger, 503, code);
      if (taken === undefined) leftOut++;
      else told += taken;
    }
  };
  // The first second: the cap's worth written, and half a second later one more, left out (its check is due 1 s later).
  fail(FAILED_REQUEST_LINES_PER_SECOND);
  t.mock.timers.tick(500);
  fail(1);
  // The next second: the first line written tells the one left out; then the cap's worth again and one more left out.
  t.mock.timers.tick(500);
  fail(FAILED_REQUEST_LINES_PER_SECOND + 1);
  // The check of the first left out comes while this second's lines are all written: nothing to tell yet.
  t.mock.timers.tick(500);
  assert.equal(lines.length, 0);
  // The burst is over: the next check tells what the lines written since did not.
  t.mock.timers.tick(1_000);
  const summaries = lines.filter((l) => / failed requests \(503\) not logged$/.test(String(l.msg)));
  assert.equal(summaries.length, 1);
  assert.equal(summaries[0]?.code, code);
  told += summaries[0]?.suppressed as number;
  assert.equal(leftOut, 2);
  assert.equal(told, leftOut, 'every failure left out is told of once, and no more');
});

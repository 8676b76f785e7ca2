// The line that tells, once a burst of failed requests (5xx) is over, how many of their lines were left out counts
// exactly those. Before, its check (each second while the burst lasted) counted itself as one more failure left out
// whenever it found the second's lines all written: a burst lasting N seconds overstated by about N - 1. The check's
// timer is node:test's mock (ticked by hand); the cap's second is the real clock, waited out between the steps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { FAILED_REQUEST_LINES_PER_SECOND, takeFailedLine } from '../src/http/refused-lines.js';

/** Blocks until the real clock is past `until` (performance.now): the cap's window is the real clock's. */
function waitPast(until: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (let left = until - performance.now(); left > 0; left = until - performance.now()) Atomics.wait(cell, 0, 0, Math.ceil(left));
}

test('takeFailedLine – the summary after a burst of two seconds tells exactly the lines left out', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const code = 'ISO8583_ERR_CONNECTOR_STORE';
  let leftOut = 0;
  let told = 0;
  /** One second's failures: the cap's worth, written, and one more, left out. */
  const second = (): void => {
    for (let i = 0; i <= FAILED_REQUEST_LINES_PER_SECOND; i++) {
      const taken = takeFailedLine(logger, 503, code);
      if (taken === undefined) leftOut++;
      else told += taken;
    }
  };
  const started = performance.now();
  second();
  waitPast(started + 1_001);
  const again = performance.now();
  second();
  // The check of the first left out comes while this second's lines are all written: nothing to tell yet.
  t.mock.timers.tick(1_000);
  assert.equal(lines.length, 0);
  waitPast(again + 1_001);
  // The burst is over: the next check tells what the lines written since did not.
  t.mock.timers.tick(1_000);
  const summaries = lines.filter((l) => / failed requests \(503\) not logged$/.test(String(l.msg)));
  assert.equal(summaries.length, 1);
  assert.equal(summaries[0]?.code, code);
  told += summaries[0]?.suppressed as number;
  assert.equal(leftOut, 2);
  assert.equal(told, leftOut, 'every failure left out is told of once, and no more');
});

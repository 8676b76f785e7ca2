// The endpoint's maxInFlight places handed to the connections that wait for one (in-flight-jobs.ts `wake`): a waiter
// that throws (a bug) used to end the hand-out there, out of the timer (an uncaught exception), the waiters after it
// left waiting with `room` at 0 and no wake armed until some other message ended. Now it is counted and the free
// places go on to the next waiters; the waiter that threw is told (its connection logs it and closes: deleted from
// the waiters before it was called, its reading would stay paused for good).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { InFlightJobs } from '../src/in-flight-jobs.js';
import { InboundMetrics } from '../src/metrics.js';
import { gate } from './support/gates.js';

test('in-flight wake – a waiter that throws: counted, the next waiter gets the place, room not left at 0', async () => {
  const metrics = new InboundMetrics('wake');
  const jobs = new InFlightJobs(metrics, 1);
  jobs.started();
  assert.equal(jobs.room, 0);
  const woken = gate();
  const bug = new Error('a waiter with a bug');
  const threw: unknown[] = [];
  assert.ok(jobs.waitForRoom(() => {
    throw bug;
  }, (thrown) => threw.push(thrown)));
  assert.ok(jobs.waitForRoom(() => woken.open(), () => assert.fail('this waiter did not throw')));
  jobs.ended();
  await within(woken.promise, 10_000, 'the waiter after the one that threw was never woken');
  assert.equal(jobs.room, 1, 'the place is free, nobody waits');
  assert.equal(metrics.snapshot().errorsByCode['ISO8583_ERR_INBOUND_INTERNAL'], 1);
  // Its connection is told (it logs the throw's code and closes: its reading would stay paused for good).
  assert.deepEqual(threw, [bug]);
});

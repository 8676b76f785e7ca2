import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REQUEST_TIMEOUT, MAX_TIMER_DELAY } from '@iso8583/connector';
import { sequenceTimeoutFor } from '../src/commands/simulate-host.js';

test('simulate-host --delay – the endpoint waits past the delay (30 s at least, else delay + 5 s), within a timer\'s range', () => {
  assert.equal(sequenceTimeoutFor(0), 30000);
  assert.equal(sequenceTimeoutFor(20), 30000);
  assert.equal(sequenceTimeoutFor(25000), 30000);
  assert.equal(sequenceTimeoutFor(31000), 36000);
  for (const delay of [0, 1, 24999, 25001, 31000, MAX_REQUEST_TIMEOUT]) {
    const timeout = sequenceTimeoutFor(delay);
    assert.ok(timeout > delay, `${delay}`);
    assert.ok(timeout <= MAX_TIMER_DELAY, `${delay}`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_REQUEST_TIMEOUT, MAX_TIMER_DELAY } from '@iso8583/connector';
import { sequenceTimeoutFor, simulateHostCommand } from '../src/commands/simulate-host.js';

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

test('simulate-host – a bad --balance or --delay is refused by the flag (coded, named) before the simulator checks its options', async () => {
  const cases: Array<[string, string]> = [
    ['--balance', '-1'],
    ['--balance', 'lots'],
    ['--balance', '9007199254740992'],
    ['--delay', 'soon'],
    ['--delay', String(MAX_REQUEST_TIMEOUT + 1)],
  ];
  for (const [flag, value] of cases) {
    await assert.rejects(simulateHostCommand(['--port', '0', flag, value]), (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CLI_OPTION', `${flag} ${value}`);
      assert.match(err.message, new RegExp(flag));
      return true;
    });
  }
});

// logSafely, the one home of a log line that cannot change what happens next (the connector's undeliveredApproval and
// the inbound endpoint both write through it): a logger that throws loses its line, and the caller goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSafely } from '../src/index.js';

test('logSafely: a write that throws loses its line only; one that does not is written', () => {
  const lines: string[] = [];
  assert.doesNotThrow(() =>
    logSafely(() => {
      throw new Error('the destination failed');
    }),
  );
  logSafely(() => lines.push('written'));
  assert.deepEqual(lines, ['written']);
});

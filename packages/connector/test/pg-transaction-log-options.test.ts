/**
 * The PostgreSQL transaction log's delays are timers: each is refused past `MAX_TIMER_DELAY` (Node fires a longer one
 * after 1 ms: a retry or close bound of 30 days became a tight loop), and a first retry delay longer than the longest
 * given with it is refused naming `retryDelay` (it was raised in silence), the connector's one rule for a backoff's order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TIMER_DELAY } from '../src/index.js';
import { resolvePgTransactionLogOptions } from '../src/pg/transaction-log-options.js';
import type { PgTransactionLogOptions } from '../src/pg/transaction-log-options.js';

const where = { connectionString: 'postgresql://iso8583@127.0.0.1:1/none' };

function refused(options: Partial<PgTransactionLogOptions>, field: string, reason: RegExp): void {
  assert.throws(
    () => resolvePgTransactionLogOptions({ ...where, ...options }),
    (err: { code?: string; field?: string; message?: string }) =>
      err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.field === field && reason.test(err.message ?? ''),
    `${JSON.stringify(options)} refused naming ${field}`,
  );
}

test('each delay of the PostgreSQL transaction log is refused past MAX_TIMER_DELAY, and accepted at it', () => {
  for (const field of ['retryDelay', 'maxRetryDelay', 'closeTimeout', 'statementTimeout'] as const) {
    refused({ [field]: MAX_TIMER_DELAY + 1, ...(field === 'retryDelay' ? { maxRetryDelay: MAX_TIMER_DELAY } : {}) }, field, /from 1 to 2147483647/);
    const at = resolvePgTransactionLogOptions({ ...where, [field]: MAX_TIMER_DELAY, ...(field === 'retryDelay' ? { maxRetryDelay: MAX_TIMER_DELAY } : {}) });
    assert.equal(at[field], MAX_TIMER_DELAY, field);
  }
});

test('a first retry delay longer than the longest given with it is refused naming retryDelay; given alone it raises the default longest', () => {
  refused({ retryDelay: 9000, maxRetryDelay: 1000 }, 'retryDelay', /must not be more than maxRetryDelay: the first wait cannot exceed the longest/);
  const alone = resolvePgTransactionLogOptions({ ...where, retryDelay: 60_000 });
  assert.equal(alone.retryDelay, 60_000);
  assert.equal(alone.maxRetryDelay, 60_000, 'the default longest (5000) raised to the first');
  const both = resolvePgTransactionLogOptions({ ...where, retryDelay: 1000, maxRetryDelay: 1000 });
  assert.deepEqual([both.retryDelay, both.maxRetryDelay], [1000, 1000]);
});

/**
 * A `PgTerminalLock`'s options are refused at construction, coded and naming the option, when they are not what their
 * TSDoc says: a `waitTimeout` of 0 waited for a free connection for ever (the pool's connect timeout 0 is none), one
 * not a number waited for the lock for ever (its `lock_timeout` refused, its statement timeout none), and a `max` of 0
 * never gave a request a connection. No connection is made: the URL reaches nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgTerminalLock } from '../src/index.js';
import type { PgTerminalLockOptions } from '../src/index.js';
import { MAX_TERMINAL_LOCK_WAIT } from '../src/pg/terminal-lock.js';

const url = 'postgresql://iso8583@127.0.0.1:1/none';

function refused(options: Record<string, unknown>, field: string, reason: RegExp): void {
  assert.throws(
    () => new PgTerminalLock({ url, ...options } as PgTerminalLockOptions),
    (err: { code?: string; field?: string; message?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.field === field && reason.test(err.message ?? ''),
    `${String(Object.values(options)[0])} refused naming ${field}`,
  );
}

test('a wait or a pool size out of range, or a URL not a string, is refused naming the option; the bounds are accepted', async () => {
  for (const waitTimeout of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, MAX_TERMINAL_LOCK_WAIT + 1, '30000']) {
    refused({ waitTimeout }, 'waitTimeout', /integer of milliseconds from 1 to 2147478647/);
  }
  for (const max of [0, -1, 2.5, Number.NaN, '20']) refused({ max }, 'max', /positive integer/);
  refused({ url: undefined }, 'store', /postgresql:\/\//);
  for (const options of [{ waitTimeout: 1, max: 1 }, { waitTimeout: MAX_TERMINAL_LOCK_WAIT, max: 500 }]) {
    await new PgTerminalLock({ url, ...options }).close();
  }
});

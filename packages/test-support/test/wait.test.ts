import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil, within } from '../src/index.js';

test('waitUntil – resolves with the first truthy value, checking again until it comes', async () => {
  let calls = 0;
  const value = await waitUntil(() => (++calls === 3 ? { calls } : undefined), { what: 'the third call', intervalMs: 1 });
  assert.deepEqual(value, { calls: 3 });
});

test('waitUntil – a check that throws or rejects is tried again', async () => {
  let calls = 0;
  const value = await waitUntil(
    async () => {
      calls += 1;
      if (calls < 3) throw new Error('not yet');
      return 'ready';
    },
    { what: 'the check to stop throwing', intervalMs: 1 },
  );
  assert.equal(value, 'ready');
  assert.equal(calls, 3);
});

test('waitUntil – past the deadline it rejects naming what was awaited and the last error', async () => {
  await assert.rejects(waitUntil(() => false, { what: 'a state that never comes', timeoutMs: 30, intervalMs: 5 }), {
    message: 'timed out after 30 ms waiting for a state that never comes',
  });
  await assert.rejects(
    waitUntil(
      () => {
        throw new Error('still down');
      },
      { what: 'the database', timeoutMs: 30, intervalMs: 5 },
    ),
    { message: 'timed out after 30 ms waiting for the database (last error: still down)' },
  );
});

test('within – settles as the promise when it settles first; otherwise rejects naming what was awaited', async () => {
  assert.equal(await within(Promise.resolve(42), 1000, 'the answer'), 42);
  await assert.rejects(within(Promise.reject(new Error('refused')), 1000, 'the answer'), { message: 'refused' });
  await assert.rejects(within(new Promise<never>(() => undefined), 20, 'a promise that never settles'), {
    message: 'not within 20 ms: a promise that never settles',
  });
});

// What is kept of a route's unexpected failure for the log: its class name and code, never card data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeFailure } from '../src/index.js';

const PAN = '4761739001010010';

test('route failure – a code carrying a track is withheld; a code shaped like one is kept', () => {
  const thrown = Object.assign(new Error('declined'), { code: `DECLINED_${PAN}=25121011234567890` });
  assert.deepEqual(routeFailure(thrown), { name: 'Error', code: 'ERR_CODE_WITHHELD' });
  assert.deepEqual(routeFailure(Object.assign(new TypeError('x'), { code: 'ECONNRESET' })), { name: 'TypeError', code: 'ECONNRESET' });
  assert.deepEqual(routeFailure('a string'), { name: 'string' });
});

test('route failure – a PAN in an error class name is masked', () => {
  const thrown = new Error('x');
  thrown.name = `Declined${PAN}`;
  assert.deepEqual(routeFailure(thrown), { name: 'Declined476173******0010' });
});

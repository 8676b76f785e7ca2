// close() and destroy() are idempotent (docs/inbound.md): every call after the first returns the first one's promise.
// A later close() with a deadline the first would have refused (negative, Infinity) rejected instead: the endpoint was
// closing, or closed, and the caller was told otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { approveAll, startEndpoint } from './support/endpoint.js';

test('close() is idempotent: a later call returns the first one\'s promise, even with a deadline it would refuse', async (t) => {
  const { endpoint } = await startEndpoint(t, { sequence: approveAll });
  const first = endpoint.close();
  const later = endpoint.close({ deadline: -1 });
  assert.equal(later, first, 'the same promise');
  await within(first, 5_000, 'close did not settle');
  await within(endpoint.close({ deadline: Infinity }), 5_000, 'a call after the close did not settle');
});

// a reply that packs but does not fit the endpoint's frame (maxFrameSize, or the length header's capacity):
// writeReply logs REPLY_INVALID and returns true, so the client gets no answer at all and onLateResult is not told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UndeliveredReason } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { within } from '@iso8583/test-support';

test('inbound – an approval too large for the frame: the client gets an answer (96) and onLateResult is told', async (t) => {
  const told: UndeliveredReason[] = [];
  const { port } = await startEndpoint(t, {
    maxFrameSize: 400,
    onLateResult: (_result, _message, _context, reason) => { told.push(reason); },
    // An approval carrying a long field 48 (ans..999): packs, but over 400 bytes.
    sequence: (m) => ({ ...(approveAll(m, {} as never) as Record<string, unknown>), 48: 'X'.repeat(500) }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await within(client.request(purchase(31)), 3000, 'the client got an answer').catch((err: unknown) => err);
  assert.deepEqual({ answered: !(reply instanceof Error), told }, { answered: true, told: ['reply-invalid'] });
});

// `close()` with a client connected and nothing in flight, the client sending one more request as the drain starts:
// the endpoint ends its side, the client ends its own in answer, and the drain is over then, not at the close
// deadline (the request is dropped unanswered, as any frame read while draining). Before, reading stayed paused by
// the drain, so the client's end behind that request was never read and the close waited its whole deadline
// (simulate-host stopped during a load: 10 s). A real endpoint, a real client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

test('close – a client that sends as the drain starts, then ends in answer to the endpoint\'s end: the drain ends then, not at the deadline', async (t) => {
  const { endpoint, port } = await startEndpoint(t, { sequence: approveAll });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  assert.equal((await within(client.reply(), 5_000, 'no reply')).fields['39'], '00');
  // A deadline past the bound below: the drain ends by the client's end, or the test fails.
  const closing = endpoint.close({ deadline: 30_000 });
  // A request sent as the drain starts (a load's next one): it reaches a paused socket, ahead of the client's end.
  client.send(purchase(2));
  await within(client.closed, 10_000, 'the client never saw the endpoint close');
  await within(closing, 10_000, 'the drain waited for its deadline, the client\'s end never read');
  assert.equal(endpoint.stats().connections, 0);
});

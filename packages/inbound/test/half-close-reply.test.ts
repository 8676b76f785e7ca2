// A client that half-closes (its FIN) with a request in flight, `allowHalfOpen` true (the default): the decision kept
// (docs/inbound.md, `allowHalfOpen`) is that its reply is written and counted as any other (its side to read is still
// open: a FIN cannot tell a terminal that gave up from one that half-closed; an application where a FIN means gave up
// sets `allowHalfOpen: false`, as the gateway does). This pins that: the client reads its approval after its FIN, the
// reply is counted once, nothing goes to onLateResult, then the endpoint ends its side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { heldSequence } from './support/gates.js';

test('half-close – allowHalfOpen: the approval of a request in flight at the client\'s FIN is written, read and counted once', async (t) => {
  const { held, late, sequence, onLateResult } = heldSequence();
  const told: string[] = [];
  const { port, endpoint } = await startEndpoint(t, { sequence, onLateResult, onReply: (r, w) => told.push(`${String(r['39'])}${w.cut === true ? ':cut' : ''}`) });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(7));
  await waitUntil(() => endpoint.stats().inFlight === 1, { timeoutMs: 10_000, what: 'the request to be in its sequence' });
  const closed = client.close(); // the FIN: the client still reads
  held.open();
  const reply = await within(client.reply(), 10_000, 'no reply after the FIN');
  assert.equal(reply.fields['39'], '00');
  assert.equal(reply.fields['11'], '000007');
  await within(closed, 10_000, 'the endpoint did not end its side once the reply was written');
  assert.equal(endpoint.stats().replies, 1);
  assert.deepEqual(told, ['00']);
  assert.deepEqual(late, []);
});

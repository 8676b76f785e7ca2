// A group try its connector refuses before accepting it (here the in-flight limit: `sent: 'no'`, never counted in
// that connector's requests nor errors) moves on to the next upstream. It must not be superseded: the group's totals
// would subtract a request and an error that were never added (errors going negative). Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import { createUpstreamGroup } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerFor } from './helpers/setup.js';

test('a group try refused before its connector accepted it (IN_FLIGHT_LIMIT) is not taken off the totals', async (t) => {
  // Upstream a never answers (its one request in flight stays); upstream b answers at once.
  const a = await peerFor(t, () => undefined);
  const b = await peerFor(t, (r, p) => p.send(r.socket, answer(r.message)));
  const group = createUpstreamGroup({
    strategy: 'failover',
    upstreams: [
      { name: 'a', host: '127.0.0.1', port: a.port, maxInFlight: 1, requestTimeout: 60_000 },
      { name: 'b', host: '127.0.0.1', port: b.port, requestTimeout: 60_000 },
    ],
  });
  t.after(() => group.destroy());
  await group.connect();
  const upstreamA = group.connectors.get('a');
  assert.ok(upstreamA !== undefined);
  // a's one place in flight taken by a request of its own (not the group's).
  const held = upstreamA.request(purchase('630001'));
  held.catch(() => undefined);
  await waitUntil(() => a.received.length === 1, { what: 'the request holding a written', timeoutMs: 10_000 });
  // The group's request: refused by a (IN_FLIGHT_LIMIT, never accepted there), answered by b.
  const response = await within(group.request(purchase('630002')), 10_000, 'the group request answered by b');
  assert.equal(response['39'], '00');
  assert.equal(b.received.filter((r) => r.message['0'] === '0200').length, 1);
  assert.deepEqual(group.supersededTries(), { requests: 0, timeouts: 0, errors: 0 }, 'nothing counted, nothing superseded');
  // a counts its own request (in flight), b the group's (answered): no error anywhere.
  assert.deepEqual(group.totals(), { requests: 2, responses: 1, timeouts: 0, errors: 0 });
});

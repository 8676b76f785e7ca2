// A connection still signing on carries no request: an upstream whose only connection is one signing on (its host
// holds the sign-on answer after a reconnect) is down, and the group sends to the backup meanwhile. `stats().connected`
// counts connections signed on. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { eventWithin, waitUntil, within } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { answering, groupEvent, peerFor, startGroup, upstream } from './helpers/setup.js';

test('an upstream whose only connection is signing on is down: the group fails over instead of waiting for the sign-on', async (t) => {
  // The primary's host answers the sign-ons of its first two connections, then holds every sign-on answer.
  const signOns: Socket[] = [];
  const primary = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0800' && r.message['70'] === '001') {
      signOns.push(r.socket);
      if (signOns.length > 2) return;
    }
    p.send(r.socket, answer(r.message));
  });
  const backup = await answering();
  const connector = createConnector({ ...upstream('primary', primary), signOn: true, pool: { min: 2, max: 2 }, transactionLog: false });
  const group = await startGroup(t, { upstreams: [{ name: 'primary', connector }, upstream('backup', backup)] }, () => [backup]);
  await waitUntil(() => connector.stats().connected === 2 || undefined, { what: 'both connections of the primary signed on' });
  assert.equal((await group.request(purchase('700001')))['39'], '00');
  assert.equal(primary.received.at(-1)?.message['11'], '700001');

  // The first connection drops: its replacement connects and waits for its sign-on answer, the second still carries.
  const [first, second] = signOns as [Socket, Socket];
  first.destroy();
  await waitUntil(() => signOns.length === 3 || undefined, { what: 'the replacement asking to sign on' });
  assert.equal(connector.stats().connected, 1, 'the connection signing on is not counted');
  assert.deepEqual(group.healthy(), ['primary', 'backup']);

  // The second drops: what is left of the primary is a connection signing on, which cannot carry a request.
  const dropped = eventWithin(10_000, 'the second connection of the primary did not close', (resolve) => connector.once('disconnect', (info) => resolve(info)));
  const down = groupEvent(group, 'down', 'primary');
  second.destroy();
  await dropped;
  assert.equal(connector.stats().connected, 0, 'no connection signed on');
  assert.deepEqual(group.healthy(), ['backup'], 'the primary is down while its only connection signs on');
  await down;
  const r = await within(group.request(purchase('700002')), 10_000, 'the request sent to the backup');
  assert.equal(r['39'], '00');
  assert.equal(backup.received.at(-1)?.message['11'], '700002', 'answered by the backup');
  assert.equal(group.stats()['primary']?.downs, 1);
});

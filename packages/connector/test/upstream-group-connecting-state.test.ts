// An upstream still on its first connect attempt is `connecting` in the group's stats (a request routed to it waits
// for that attempt), not `down` (which it was reported as, while a request to it still waited); it is not healthy.
// Once that attempt fails it is `down`; once it signs on, `up`. Real peers on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { waitUntil } from '@iso8583/test-support';
import { createConnector, createUpstreamGroup } from '../src/index.js';
import { answer } from './peer.js';
import type { IsoMessage } from '@iso8583/codec';
import { answering, downPort, peerFor, upstream, whenUp } from './helpers/setup.js';

test('an upstream on its first connect attempt is connecting, not down, and not healthy', async (t) => {
  // The slow host holds its sign-on answer until the test lets it go.
  let held: { socket: Socket; message: IsoMessage } | undefined;
  const slow = await peerFor(t, (r, p) => {
    if (r.message['0'] === '0800' && r.message['70'] === '001' && held === undefined) {
      held = { socket: r.socket, message: r.message };
      return;
    }
    p.send(r.socket, answer(r.message));
  });
  const backup = await answering();
  t.after(() => backup.close());
  const gone = await downPort(t);
  const connector = createConnector({ ...upstream('slow', slow), signOn: true, transactionLog: false });
  const group = createUpstreamGroup({
    upstreams: [{ name: 'slow', connector }, upstream('backup', backup), { name: 'gone', host: '127.0.0.1', port: gone, reconnect: { initialDelay: 60_000, maxDelay: 60_000 } }],
  });
  t.after(() => group.destroy());
  const connecting = group.connect();
  await connecting;
  await whenUp(group, 'backup');
  await waitUntil(() => held ?? undefined, { what: 'the slow host asked to sign on' });
  await waitUntil(() => group.stats()['gone']?.state === 'down' || undefined, { what: 'the closed port\'s first attempt failed' });
  const stats = group.stats();
  assert.equal(stats['slow']?.state, 'connecting', 'its first attempt (the sign-on) is still running');
  assert.equal(stats['backup']?.state, 'up');
  assert.equal(stats['gone']?.state, 'down');
  assert.deepEqual(group.healthy(), ['backup'], 'a connecting upstream is not healthy');

  const h = held as unknown as { socket: Socket; message: IsoMessage };
  slow.send(h.socket, answer(h.message));
  await whenUp(group, 'slow');
  assert.equal(group.stats()['slow']?.state, 'up');
  assert.deepEqual(group.healthy(), ['slow', 'backup']);
});

// A wedged upstream (it accepts connections and requests, and answers nothing) under steady traffic: the echo test,
// counted from the last message received, takes it out, and it stays out until a new connection answers an echo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer } from './peer.js';
import { groupEvent, startGroup, upstream } from './helpers/setup.js';

test('failover from a wedged primary under traffic: it goes down, stays down while mute (no sign-on), and comes back once it answers an echo', async (t) => {
  let mute = false;
  const primary = await startPeer((r, p) => {
    if (!mute) p.send(r.socket, answer(r.message));
  });
  const backup = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const options = (name: string, p: Peer) => ({ ...upstream(name, p), echoInterval: 100, requestTimeout: 300, transactionLog: false as const });
  const stanSeen = (stan: string) => ({
    primary: primary.received.some((r) => r.message['0'] === '0200' && r.message['11'] === stan),
    backup: backup.received.some((r) => r.message['0'] === '0200' && r.message['11'] === stan),
  });
  const group = await startGroup(t, { upstreams: [options('primary', primary), options('backup', backup)] }, () => [primary, backup]);
  assert.equal((await group.request(purchase('900000')))['39'], '00');
  mute = true;
  const down = groupEvent(group, 'down', 'primary');
  let n = 0;
  // Traffic: a request every 20 ms (writes used to reset the echo clock, so a wedged link under traffic stayed up).
  const traffic = setInterval(() => void group.request(purchase(String(900_001 + n++))).catch(() => undefined), 20);
  t.after(() => clearInterval(traffic));
  await down;
  clearInterval(traffic);
  const firstSocket = primary.received.find((r) => r.message['0'] === '0800')?.socket;
  // A reconnect probes with an echo before the link is used: still mute, the primary is not put back.
  const probe = await waitUntil(() => primary.received.find((r) => r.message['0'] === '0800' && r.socket !== firstSocket), { what: 'an echo on a new connection' });
  assert.equal(probe.message['70'], '301');
  assert.deepEqual(group.healthy(), ['backup'], 'a mute primary is not put back at its reconnect');
  assert.equal((await group.request(purchase('901000')))['39'], '00');
  // Which peer got the request by its STAN (the last message a peer received may be an echo test of its own).
  assert.deepEqual(stanSeen('901000'), { primary: false, backup: true }, 'new requests go to the backup');
  const up = groupEvent(group, 'up', 'primary');
  mute = false;
  await up;
  assert.equal((await group.request(purchase('902000')))['39'], '00');
  assert.deepEqual(stanSeen('902000'), { primary: true, backup: false }, 'back on the primary once it answers');
});

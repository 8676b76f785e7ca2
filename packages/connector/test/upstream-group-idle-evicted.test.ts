// In exclusive mode with pool.min 0, the pool's idle eviction closes an upstream's last connection: a close the
// connector asked for while nothing fails. The upstream stays healthy (no `down`), and its next request connects again
// and is answered; it used to be reported down and, with nothing to reconnect it, refused UPSTREAM_DOWN for good. A
// host that is really gone is still found: the next connect attempt fails and the upstream goes down. Real peers on
// 127.0.0.1; events, no sleeps for ordering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { purchase } from './peer.js';
import { groupEvent, peerFor, startGroup, upstream } from './helpers/setup.js';
import type { Peer } from './peer.js';
import { within } from '@iso8583/test-support';

const idle = (name: string, peer: Peer) => ({ ...upstream(name, peer), mode: 'exclusive' as const, pool: { min: 0, max: 2, idleTimeout: 50 } });

test('exclusive, pool.min 0: the idle eviction of an upstream\'s last connection is no down; its next request is answered', async (t) => {
  const visa = await peerFor(t);
  const mc = await peerFor(t);
  const group = await startGroup(t, { upstreams: [idle('visa', visa), idle('mc', mc)], routes: [{ pan: '4', upstream: 'visa' }, { pan: '5', upstream: 'mc' }] }, () => [visa, mc]);
  const downs: string[] = [];
  group.on('down', ({ upstream: name }) => downs.push(name));
  assert.equal((await group.request(purchase('008101')))['39'], '00');
  const visaConnector = group.connectors.get('visa');
  assert.ok(visaConnector !== undefined);
  if (visaConnector.stats().connected > 0) await within(once(visaConnector, 'disconnect'), 10_000, 'the idle connection evicted');
  assert.equal(visaConnector.stats().connected, 0, 'the idle connection was evicted');
  assert.deepEqual(downs, []);
  assert.ok(group.healthy().includes('visa'));
  assert.equal((await group.request(purchase('008102')))['39'], '00');
  // The host gone: the next connect attempt fails, and visa goes down.
  if (visaConnector.stats().connected > 0) await within(once(visaConnector, 'disconnect'), 10_000, 'the idle connection evicted');
  await visa.close();
  const down = groupEvent(group, 'down', 'visa');
  // Refused by the bank's port: never sent (failed or tried elsewhere, as the group decides); visa goes down.
  await group.request(purchase('008103')).catch(() => undefined);
  await down;
  assert.equal(group.healthy().includes('visa'), false);
});

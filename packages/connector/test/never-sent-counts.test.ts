// Requests that never reach the host, as `stats()` and the metrics count them: each is accepted and fails once, so
// `requests` = `responses` + `timeouts` + `errors` + in flight holds, and `/metrics` shows the same failure in
// `iso8583_connector_failures_total` by code (`iso8583_connector_requests_total` is answered requests only;
// SocketQueue's `packetCount` counts only what was written). Real peers, real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Connector } from '../src/index.js';
import { purchase } from './peer.js';
import { answering, groupEvent, peerAndConnector, startGroup, upstream } from './helpers/setup.js';
import { answer } from './peer.js';

/** One sample of the connector's Prometheus text, or undefined when the series is absent. */
async function sample(connector: Connector, series: string): Promise<number | undefined> {
  const line = (await connector.registry.metrics()).split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('a message the codec refuses (400 INVALID_MESSAGE, never written): one request and one error in stats, one failure by code in the metrics, no packet', async (t) => {
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { reversal: { enabled: false } });
  await assert.rejects(connector.request({ ...purchase('000701'), '3': 'ABCDEF' }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  const s = connector.stats();
  assert.deepEqual([s.requests, s.responses, s.timeouts, s.errors, s.inFlight], [1, 0, 0, 1, 0]);
  assert.deepEqual(s.byMti, { '0200': 1 });
  assert.deepEqual(s.socketQueue.packetCount, { total: 0 }, 'SocketQueue counts packets written: none');
  assert.equal(await sample(connector, 'iso8583_connector_failures_total{connector="default",mti="0200",code="ISO8583_ERR_INVALID_MESSAGE"}'), 1);
  assert.doesNotMatch(await connector.registry.metrics(), /iso8583_connector_requests_total\{/, 'requests_total: answered requests only');
});

test('a request its group refuses because the upstream it routes to is down (UPSTREAM_DOWN): counted by that upstream like its other failures', async (t) => {
  const visa = await answering();
  const mc = await answering();
  const group = await startGroup(t, { upstreams: [upstream('visa', visa), upstream('mc', mc)], routes: [{ pan: '5', upstream: 'mc' }] }, () => [visa, mc]);
  const card = (stan: string): ReturnType<typeof purchase> => ({ ...purchase(stan), '2': '5555555555554444', '35': '5555555555554444=29122010000000000000' });
  await group.request(card('000801'));
  const down = groupEvent(group, 'down', 'mc');
  await mc.close();
  await down;
  await assert.rejects(group.request(card('000802')), { code: 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN' });
  const connector = group.connectors.get('mc') as Connector;
  const s = connector.stats();
  assert.deepEqual([s.requests, s.responses, s.errors, s.inFlight], [2, 1, 1, 0]);
  assert.deepEqual(s.byMti, { '0200': 2 });
  assert.equal(await sample(connector, 'iso8583_connector_failures_total{connector="mc",mti="0200",code="ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN"}'), 1);
  assert.equal(group.stats()['mc']?.unavailable, 1);
  assert.equal(group.connectors.get('visa')?.stats().requests, 0, 'never sent to another bank, nor counted there');
});

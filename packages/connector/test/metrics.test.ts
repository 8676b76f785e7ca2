// Metrics (prom-client) and stats: requests by MTI and response code, latency, in-flight, pool size, amounts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Registry } from 'prom-client';
import pino from 'pino';
import { Writable } from 'node:stream';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';

test('stats and metrics count requests, response codes and SocketQueue amounts', async (t) => {
  const peer = await startPeer((r, p) => {
    const declined = r.message['11'] === '010003';
    p.send(r.socket, answer(r.message, declined ? { '39': '51' } : {}));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.request(purchase('010001', 'TERM0001', '000000001000'));
  await connector.request({ ...purchase('010002', 'TERM0001', '000000000250'), '3': '200000' }); // refund
  await connector.request(purchase('010003', 'TERM0001', '000000000999')); // declined
  const s = connector.stats();
  assert.equal(s.requests, 3);
  assert.equal(s.responses, 3);
  assert.deepEqual(s.byMti, { '0200': 3 });
  assert.deepEqual(s.byResponseCode, { '00': 2, '51': 1 });
  assert.deepEqual(s.amounts, { processed: 2249, secured: 1250, refund: 250, reversal: 0 });
  assert.equal(s.connected, 1);
  assert.equal(s.inFlight, 0);
  const text = await connector.registry.metrics();
  assert.match(text, /iso8583_connector_requests_total\{connector="default",mti="0200",response_code="00"\} 2/);
  assert.match(text, /iso8583_connector_requests_total\{connector="default",mti="0200",response_code="51"\} 1/);
  assert.match(text, /iso8583_connector_latency_seconds_count\{connector="default"\} 3/);
  assert.match(text, /iso8583_connector_amount_total\{connector="default",kind="secured"\} 1250/);
  assert.match(text, /iso8583_connector_pool_size\{connector="default"\} 1/);
  assert.match(text, /iso8583_connector_in_flight\{connector="default"\} 0/);
  assert.match(text, /iso8583_connector_reversals_pending\{connector="default"\} 0/);
});

test('a given registry is used; two connectors on it are told apart by their connector label', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const registry = new Registry();
  const a = createConnector({ name: 'a', host: '127.0.0.1', port: peer.port, registry });
  t.after(async () => {
    await a.destroy();
    await peer.close();
  });
  assert.equal(a.registry, registry);
  await a.request(purchase('010101'));
  assert.match(await registry.metrics(), /iso8583_connector_requests_total\{connector="a",mti="0200",response_code="00"\} 1/);
});

test('logs carry MTI, STAN, response code and latency, never the PAN or track data', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  // The second purchase is held by the peer (it times out, then is answered late below): the gate opens when it arrives.
  let held!: (r: Received) => void;
  const arrived = new Promise<Received>((resolve) => (held = resolve));
  const peer = await startPeer((r, p) => {
    if (r.message['11'] === '010202') return held(r);
    p.send(r.socket, answer(r.message, { '2': '4111111111111111' }));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, logger });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.request(purchase('010201'));
  const timedOut = assert.rejects(connector.request(purchase('010202'), { timeout: 500 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  const late = await arrived;
  await timedOut;
  // Both are logged before their event is emitted.
  const logged = Promise.all([once(connector, 'late-response'), once(connector, 'unsolicited')]);
  peer.send(late.socket, answer(late.message, { '2': '4111111111111111' })); // late
  peer.send(late.socket, { '0': '0210', '2': '5500000000000004', '11': '999999', '41': 'TERM0001' }); // unsolicited
  await logged;
  const all = lines.join('');
  assert.match(all, /"mti":"0210"/);
  assert.match(all, /"stan":"010201"/);
  assert.match(all, /"responseCode":"00"/);
  assert.match(all, /"latencyMs":/);
  assert.match(all, /late response/);
  assert.match(all, /unsolicited/);
  assert.doesNotMatch(all, /4111111111111111|5500000000000004|=2912/);
});

test('amounts: processed/secured/refund from answered 0100/0200 only; reversal from every answered 0400/0420, explicit too', async (t) => {
  const peer = await startPeer((r, p) => {
    const stan = String(r.message['11']);
    if (stan === '020009') return; // never answered: counts nowhere
    p.send(r.socket, answer(r.message, stan === '020002' ? { '39': '05' } : {}));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, requestTimeout: 300 });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await connector.request({ ...purchase('020001', 'TERM0001', '000000000100'), '0': '0100' }); // approved authorisation
  await connector.request(purchase('020002', 'TERM0001', '000000000200')); // declined (05)
  await connector.request({ ...purchase('020003', 'TERM0001', '000000000300'), '3': '200000' }); // approved refund
  await connector.request({ ...purchase('020004', 'TERM0001', '000000000400'), '0': '0220' }); // advice: not counted
  await connector.request({ ...purchase('020005', 'TERM0001', '000000000500'), '0': '0400' }); // explicit reversal
  await connector.request({ ...purchase('020006', 'TERM0001', '000000000600'), '0': '0420' }); // explicit reversal advice
  await connector.request({ ...purchase('020007'), '0': '0421', '4': 70 }); // repeat, amount as a number
  await connector.request({ '0': '0800', '11': '020008', '70': '301' }); // network: not counted
  await assert.rejects(connector.request(purchase('020009', 'TERM0001', '000000009000')), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.deepEqual(connector.stats().amounts, { processed: 600, secured: 400, refund: 300, reversal: 1170 });
  const text = await connector.registry.metrics();
  assert.match(text, /iso8583_connector_amount_total\{connector="default",kind="processed"\} 600/);
  assert.match(text, /iso8583_connector_amount_total\{connector="default",kind="reversal"\} 1170/);
});

// The per-terminal queue: one request per terminal (field 41) at the host at a time, the rest in order, bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Received } from './peer.js';

test('requests of one terminal reach the host one at a time and in order; other terminals are not held up', async (t) => {
  const inFlight = new Map<string, number>();
  let worst = 0;
  const order: string[] = [];
  const peer = await startPeer((r: Received, p) => {
    const tid = r.message['41'] as string;
    inFlight.set(tid, (inFlight.get(tid) ?? 0) + 1);
    worst = Math.max(worst, inFlight.get(tid) ?? 0);
    if (tid === 'TERMA001') order.push(r.message['11'] as string);
    setTimeout(() => {
      inFlight.set(tid, (inFlight.get(tid) ?? 1) - 1);
      p.send(r.socket, answer(r.message));
    }, 5);
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, terminalQueue: { enabled: true } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const a = ['004001', '004002', '004003', '004004', '004005'].map((s) => connector.request(purchase(s, 'TERMA001')));
  const b = ['004101', '004102'].map((s) => connector.request(purchase(s, 'TERMB001')));
  const responses = await Promise.all([...a, ...b]);
  assert.equal(responses.length, 7);
  assert.equal(worst, 1);
  assert.deepEqual(order, ['004001', '004002', '004003', '004004', '004005']);
  // Terminal B's first request was at the host while A's queue was still waiting.
  const firstB = peer.received.findIndex((r) => r.message['41'] === 'TERMB001');
  const lastA = peer.received.findIndex((r) => r.message['11'] === '004005');
  assert.ok(firstB < lastA);
});

test('the queue of one terminal is bounded (QUEUE_FULL) and a waiting request times out (QUEUE_TIMEOUT)', async (t) => {
  const peer = await startPeer(() => undefined); // never answers
  const connector = createConnector({
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 300,
    terminalQueue: { enabled: true, maxQueued: 2, timeout: 100 },
  });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const first = connector.request(purchase('004201'));
  const second = connector.request(purchase('004202'));
  const third = connector.request(purchase('004203'));
  await assert.rejects(connector.request(purchase('004204')), { code: 'ISO8583_ERR_CONNECTOR_QUEUE_FULL', field: 'terminalQueue.maxQueued' });
  await assert.rejects(second, { code: 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT' });
  await assert.rejects(third, { code: 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT' });
  await assert.rejects(first, { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  assert.equal(peer.received.length, 1);
  assert.equal(connector.stats().pending, 0);
});

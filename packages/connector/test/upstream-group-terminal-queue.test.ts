// terminalQueue in an upstream group: one queue for the whole group, so a terminal (field 41) has one request at the
// banks at a time even when the strategy spreads its requests over several upstreams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { purchase, answer, startPeer } from './peer.js';
import type { Peer, Received } from './peer.js';
import { FileTransactionLog } from '../src/index.js';
import type { Connector } from '../src/index.js';
import type { IsoMessage } from '@iso8583/codec';
import { startGroup, tempDir, upstream } from './helpers/setup.js';

test('round robin with terminalQueue on every upstream: a terminal\'s requests go to both banks, one at a time, in order', async (t) => {
  const held: Received[] = [];
  let most = 0;
  const hold = (r: Received, p: Peer): void => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    held.push(r);
    most = Math.max(most, held.length);
  };
  const a = await startPeer(hold);
  const b = await startPeer(hold);
  const tq = { enabled: true, timeout: 20_000 };
  const options = (name: string, p: Peer) => ({ ...upstream(name, p), requestTimeout: 20_000, terminalQueue: tq, transactionLog: false as const });
  const group = await startGroup(t, { strategy: 'round-robin', upstreams: [options('a', a), options('b', b)] }, () => [a, b]);
  const outcomes = ['700001', '700002', '700003', '700004'].map((stan) => group.request(purchase(stan, 'TERM0001')));
  for (let n = 1; n <= 4; n++) {
    await waitUntil(() => held.length === 1, { what: `request ${n} of TERM0001 at a bank` });
    // The others wait in the group's one queue: none is at the other bank meanwhile.
    const stats = group.stats();
    assert.equal((stats['a']?.pending ?? 0) + (stats['b']?.pending ?? 0), 4 - n, `${4 - n} waiting while request ${n} is at a bank`);
    const r = held.shift() as Received;
    (a.sockets.has(r.socket) ? a : b).send(r.socket, answer(r.message));
  }
  assert.deepEqual((await Promise.all(outcomes)).map((r) => r['39']), ['00', '00', '00', '00']);
  assert.equal(most, 1, 'one request of the terminal at the banks at a time');
  const stans = (p: Peer): string[] => p.received.filter((r) => r.message['0'] === '0200').map((r) => String(r.message['11']));
  assert.deepEqual(stans(a), ['700001', '700003']);
  assert.deepEqual(stans(b), ['700002', '700004']);
});

test('a request the group\'s terminal queue refuses (full, waited too long) is recorded and counted once, as a lone connector\'s is', async (t) => {
  const held: Received[] = [];
  const hold = (r: Received, p: Peer): void => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    held.push(r);
  };
  const a = await startPeer(hold);
  const b = await startPeer(hold);
  const log = new FileTransactionLog(tempDir(t, 'group-queue-log'));
  const tq = { enabled: true, maxQueued: 1, timeout: 200 };
  const options = (name: string, p: Peer) => ({ ...upstream(name, p), requestTimeout: 20_000, terminalQueue: tq, transactionLog: log });
  const group = await startGroup(t, { upstreams: [options('a', a), options('b', b)] }, () => [a, b]);
  t.after(() => log.close()); // after the group's connectors are gone
  const first = group.request(purchase('710001', 'TERM0002'));
  await waitUntil(() => held.length === 1, { what: 'the first request of TERM0002 at the bank' });
  const second = group.request(purchase('710002', 'TERM0002'));
  await assert.rejects(group.request(purchase('710003', 'TERM0002')), { code: 'ISO8583_ERR_CONNECTOR_QUEUE_FULL' });
  await assert.rejects(second, { code: 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT' });
  const r = held.shift() as Received;
  a.send(r.socket, answer(r.message));
  assert.equal((await first)['39'], '00');
  const records = await log.query({ terminal: 'TERM0002' });
  assert.deepEqual(
    records.map((x) => [x.stan, x.upstream, x.outcome, x.errorCode]).sort(),
    [
      ['710001', 'a', 'approved', undefined],
      ['710002', 'a', 'error', 'ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT'],
      ['710003', 'a', 'error', 'ISO8583_ERR_CONNECTOR_QUEUE_FULL'],
    ],
    'one record per request: the refusals under the upstream whose queue it is',
  );
  const queueTimeout = records.find((x) => x.stan === '710002');
  assert.ok((queueTimeout?.latencyMs ?? 0) >= 150, 'timed from its arrival, not from its refusal');
  const stats = group.stats();
  assert.equal(stats['a']?.requests, 3);
  assert.equal(stats['a']?.errors, 2);
  assert.equal(stats['b']?.requests, 0);
  const metrics = await (group.connectors.get('a') as Connector).registry.metrics();
  assert.match(metrics, /iso8583_connector_failures_total\{connector="a",mti="0200",code="ISO8583_ERR_CONNECTOR_QUEUE_FULL"\} 1/);
  assert.match(metrics, /iso8583_connector_failures_total\{connector="a",mti="0200",code="ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT"\} 1/);
});

test('a refusal by the group (its terminal queue, a route to a down upstream) is recorded with the 11 and 7 its connector fills in, as a sent request is', async (t) => {
  const held: Received[] = [];
  const a = await startPeer((r, p) => {
    if (r.message['0'] === '0800') return p.send(r.socket, answer(r.message));
    held.push(r);
  });
  const b = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const log = new FileTransactionLog(tempDir(t, 'group-queue-fill'));
  const options = (name: string, p: Peer) => ({
    ...upstream(name, p), requestTimeout: 20_000, transactionLog: log,
    terminalQueue: { enabled: true, maxQueued: 1, timeout: 20_000 }, autoFill: { stan: true, transmissionTime: true },
  });
  const group = await startGroup(t, { upstreams: [options('a', a), options('b', b)], routes: [{ pan: '5413', upstream: 'b' }] }, () => [a, b]);
  t.after(() => log.close()); // after the group's connectors are gone
  const unfilled = (terminal: string, pan = '4761739001010010'): IsoMessage => {
    const m: IsoMessage = { ...purchase('000000', terminal), '2': pan };
    delete m['11'];
    delete m['7'];
    return m;
  };
  const first = group.request(unfilled('TERM0003'));
  await waitUntil(() => held.length === 1, { what: 'the first request of TERM0003 at the bank' });
  const second = group.request(unfilled('TERM0003')); // waits in the queue, which is then full
  await assert.rejects(group.request(unfilled('TERM0003')), { code: 'ISO8583_ERR_CONNECTOR_QUEUE_FULL' });
  await b.close();
  await waitUntil(() => !group.healthy().includes('b'), { what: 'b down' });
  await assert.rejects(group.request(unfilled('TERM0004', '5413330089010434')), { code: 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN' });
  const r = held.shift() as Received;
  a.send(r.socket, answer(r.message));
  assert.equal((await first)['39'], '00');
  await waitUntil(() => held.length === 1, { what: 'the second request of TERM0003 at the bank' });
  const r2 = held.shift() as Received;
  a.send(r2.socket, answer(r2.message));
  assert.equal((await second)['39'], '00');
  const records = (await log.query({})).filter((x) => x.terminal === 'TERM0003' || x.terminal === 'TERM0004');
  assert.equal(records.length, 4);
  for (const x of records) {
    assert.match(x.stan ?? '', /^[0-9]{6}$/, `${x.errorCode ?? 'sent'}: field 11 recorded`);
    assert.match(x.transmissionTime ?? '', /^[0-9]{10}$/, `${x.errorCode ?? 'sent'}: field 7 recorded`);
  }
  assert.equal(new Set(records.map((x) => x.stan)).size, 4, 'each its own STAN');
});

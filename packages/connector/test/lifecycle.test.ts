// close() drains, destroy() aborts, both idempotent; sign-on on connect, sign-off on close, echo when idle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iso8583Error } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { readdirSync } from 'node:fs';
import { FileJournal, createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import { peerAndConnector, tempDir } from './helpers/setup.js';

test('close() lets in-flight requests finish, refuses new ones, and is safe to call twice', async (t) => {
  const peer = await startPeer((r, p) => setTimeout(() => p.send(r.socket, answer(r.message)), 40));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(() => peer.close());
  const inFlight = [connector.request(purchase('007001')), connector.request(purchase('007002'))];
  await peer.waitFor(2);
  const closing = connector.close();
  await assert.rejects(connector.request(purchase('007003')), { code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
  const responses = await Promise.all(inFlight);
  assert.deepEqual(responses.map((r) => r['39']), ['00', '00']);
  await closing;
  await connector.close();
  await connector.destroy();
  assert.equal(connector.stats().connected, 0);
  await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
});

test('destroy() fails in-flight requests at once and closes the sockets; safe to call twice', async (t) => {
  const peer = await startPeer(() => undefined);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(() => peer.close());
  const pending = connector.request(purchase('007101'));
  await peer.waitFor(1);
  await Promise.all([connector.destroy(), connector.destroy()]);
  await assert.rejects(pending, { code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
  assert.equal(connector.stats().inFlight, 0);
  assert.equal(connector.stats().connected, 0);
});

test('destroy() during the start closes the journal the start opens: the folder is unlocked, nothing is left open', async (t) => {
  const dir = tempDir(t, 'destroy-start');
  const { connector } = await peerAndConnector(t, () => undefined, { reversal: { enabled: true, journalDir: dir } });
  // The start opens the journal asynchronously; destroy() comes before it has.
  const connecting = assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
  await connector.destroy();
  await connecting;
  assert.deepEqual(readdirSync(dir), ['reversals.jsonl'], 'no lock and no spare file left behind');
  const again = new FileJournal(dir);
  assert.deepEqual(await again.open(), []);
  await again.close();
});

test('signOn sends 0800 / 001 on each new connection before any request; signOff sends 0800 / 002 on close', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, signOn: true, signOff: true });
  t.after(() => peer.close());
  await connector.request(purchase('007201'));
  await connector.close();
  const seen = peer.received.map((r) => `${r.message['0']}/${r.message['70'] ?? ''}`);
  assert.deepEqual(seen, ['0800/001', '0200/', '0800/002']);
});

test('a refused sign-on (response code not 00) fails the connection with SIGN_ON', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message, { '39': '91' })));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, signOn: true, reconnect: { initialDelay: 1000, maxDelay: 1000 } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  await assert.rejects(connector.connect(), { code: 'ISO8583_ERR_CONNECTOR_SIGN_ON' });
});

test('echoInterval: an idle connection sends 0800 / 301; an unanswered echo closes the connection', async (t) => {
  let answerEcho = true;
  const peer = await startPeer((r, p) => {
    if (r.message['70'] === '301' && !answerEcho) return;
    p.send(r.socket, answer(r.message));
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, echoInterval: 30, requestTimeout: 100, reconnect: { initialDelay: 1000, maxDelay: 1000 } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const disconnected = new Promise((resolve) => connector.once('disconnect', resolve));
  await connector.connect();
  const echoes = await peer.waitFor(2);
  assert.ok(echoes.every((e) => e.message['0'] === '0800' && e.message['70'] === '301'));
  answerEcho = false;
  await disconnected;
});

test('echoInterval under traffic: a host that takes requests and answers none is echo-tested (writes do not reset the clock), and the unanswered echo closes the connection', async (t) => {
  const peer = await startPeer(() => undefined); // wedged: reads everything, answers nothing
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, echoInterval: 100, requestTimeout: 300, transactionLog: false, reconnect: { initialDelay: 60_000, maxDelay: 60_000 } });
  let sending = true;
  let sent = 0;
  // Traffic: a request written every 20 ms, far more often than echoInterval.
  const traffic = setInterval(() => {
    if (sending) connector.request(purchase(String(800_000 + sent++), `TERM${String(sent % 10_000).padStart(4, '0')}`)).catch(() => undefined);
  }, 20);
  t.after(async () => {
    clearInterval(traffic);
    await connector.destroy();
    await peer.close();
  });
  const disconnected = new Promise<{ code: string | undefined }>((resolve) => connector.once('disconnect', resolve));
  await connector.connect();
  const { code } = await within(disconnected, 10_000, 'the wedged connection to be closed');
  sending = false;
  assert.equal(code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  const echoes = peer.received.filter((r) => r.message['0'] === '0800' && r.message['70'] === '301');
  assert.equal(echoes.length, 1, 'one echo test, sent while requests were being written');
  assert.ok(peer.received.indexOf(echoes[0]!) > 0, 'requests were written before the echo');
});

test('autoFill fills the STAN (field 11) and transmission time (field 7) when absent', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, autoFill: { stan: true, transmissionTime: true } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const request = { '0': '0200', '3': '000000', '4': '000000000100', '41': 'TERM0001' };
  const [a, b] = await Promise.all([connector.request(request), connector.request(request)]);
  assert.match(String(a?.['11']), /^\d{6}$/);
  assert.notEqual(a?.['11'], b?.['11']);
  assert.match(String(a?.['7']), /^\d{10}$/);
  assert.equal(request['11' as keyof typeof request], undefined, 'the caller object is not changed');
});

test('a per-request timeout that is not a positive whole number is refused before sending', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  for (const timeout of [0, -5, 1.5, Number.NaN]) {
    await assert.rejects(connector.request(purchase('007301'), { timeout }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: 'timeout' });
  }
  assert.equal(peer.received.length, 0);
});

test('a sign-on the host does not answer fails the connection and its waiting requests with SIGN_ON (cause: the timeout), not a request TIMEOUT', async (t) => {
  const peer = await startPeer(() => undefined);
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, signOn: true, requestTimeout: 100, reconnect: { initialDelay: 60_000, maxDelay: 60_000 } });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const waiting = connector.request(purchase('006901'));
  await assert.rejects(waiting, (err: Iso8583Error) => {
    assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_SIGN_ON');
    assert.equal((err.cause as Iso8583Error | undefined)?.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    return true;
  });
  assert.deepEqual(peer.received.map((r) => r.message['70']), ['001'], 'only the sign-on reached the host');
  assert.equal(connector.stats().timeouts, 0);
});

// A reply accepted for writing that never leaves (the client reads nothing, its replies wait in the socket, and the
// connection is then destroyed: idle timeout, eviction, the close deadline) was counted as a reply (`replies`,
// `byResponseCode`) and never said undelivered unless onLateResult was set: a reply that never left is counted as
// undelivered (`ISO8583_ERR_INBOUND_CLIENT_GONE`), never as sent, and handed to onLateResult (`client-gone`) so the
// caller's reversal runs, their lines capped when onLateResult is set (a client that reads nothing has hundreds cut at once). What the client's socket got is counted against what the endpoint says it sent.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, MessageStream } from '@iso8583/codec';
import { eventWithin, waitUntil, within } from '@iso8583/test-support';
import type { DisconnectInfo, InboundEndpoint, InboundMessage, InboundOptions, InboundStats } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, gate, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

/** A client that sends far more requests than its socket buffers hold replies for and reads nothing until idleTimeout closes it. */
async function cutReplies(t: TestContext, options: Partial<InboundOptions>, taken?: (endpoint: InboundEndpoint) => Promise<void>): Promise<{ got: number; stats: InboundStats; endpoint: InboundEndpoint }> {
  const { port, endpoint } = await startEndpoint(t, {
    idleTimeout: 300,
    sequence: (m) => ({ ...approveAll(m, {} as never) as object, 48: 'X'.repeat(990) }),
    ...options,
  });
  const socket = await rawConnect(port);
  t.after(() => socket.destroy());
  socket.pause();
  const cut = eventWithin<DisconnectInfo>(20_000, 'the client that reads nothing was not closed by idleTimeout', (resolve) => {
    endpoint.on('disconnect', (info) => {
      if (info.remotePort === socket.localPort) resolve(info);
    });
  });
  const framer = await TestClient.connect(port);
  const frame = framer.frame(purchase(1));
  framer.destroy();
  const burst = Buffer.concat(Array.from({ length: 500 }, () => frame));
  for (let i = 0; i < 40; i++) socket.write(burst);
  await waitUntil(() => endpoint.stats().messages > 0, { timeoutMs: 10_000, what: 'the requests to be taken' });
  await taken?.(endpoint);
  assert.equal((await cut).code, 'ISO8583_ERR_INBOUND_IDLE_TIMEOUT');
  // What the client's socket holds: the replies that left.
  let got = 0;
  new MessageStream(socket, { codec: createCodec('iso87ascii') }, { frame: () => void got++, broken: () => undefined });
  socket.resume();
  await within(closedBy(socket), 20_000, 'the client socket did not close');
  return { got, stats: endpoint.stats(), endpoint };
}

test('reply dropped by a destroy – replies the idle timeout cut are counted undelivered and handed to onLateResult, never as sent', async (t) => {
  const late: string[] = [];
  const { got, stats } = await cutReplies(t, { onLateResult: (_r, _m, _c, reason) => late.push(reason) });
  const gone = stats.errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'] ?? 0;
  assert.ok(gone > 0, 'some replies were cut');
  assert.equal(stats.replies, got, 'replies counted as sent: those the client got');
  assert.deepEqual(stats.byResponseCode, { '00': got });
  assert.equal(late.length, gone, 'each reply cut handed to onLateResult');
  assert.ok(late.every((r) => r === 'client-gone'));
  assert.equal(got + gone, stats.messages, 'each message: one outcome');
});

test('reply dropped by a destroy – without onLateResult, the replies cut are still counted undelivered, never as sent; each has its line', async (t) => {
  const logs = captureLogs('info');
  const { got, stats } = await cutReplies(t, { logger: logs.logger });
  const gone = stats.errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'] ?? 0;
  assert.ok(gone > 20, 'many replies were cut');
  // No onLateResult gets their results: the line is the only record of each approval cut (capped only with one).
  const lines = logs.text().split('\n').filter((line) => line.includes('closed before it was written')).length;
  assert.equal(lines, gone, `${lines} lines for ${gone} replies cut`);
  assert.equal(stats.replies, got, 'replies counted as sent: those the client got');
  assert.equal(got + gone, stats.messages, 'each message: one outcome');
});

/** The replies_total counter's sum over its series, as Prometheus scrapes it. */
const repliesTotal = (endpoint: InboundEndpoint): Promise<number> => counterSum(endpoint, 'iso8583_inbound_replies_total');

test('reply dropped by a destroy – the replies_total counter never goes down (Prometheus would read a reset): the cut ones show in errors_total CLIENT_GONE', async (t) => {
  let accepted = 0;
  let cutTold = 0;
  let before = 0;
  const { got, stats, endpoint } = await cutReplies(t, { onReply: (_r, w) => void (w.cut === true ? cutTold++ : accepted++) }, async (e) => {
    await waitUntil(() => e.stats().replies > 0, { timeoutMs: 10_000, what: 'replies to be accepted' });
    before = await repliesTotal(e);
  });
  const gone = stats.errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'] ?? 0;
  assert.ok(gone > 0, 'some replies were cut');
  const after = await repliesTotal(endpoint);
  assert.ok(after >= before, `replies_total went down: ${before} -> ${after}`);
  // The counter counts every reply accepted for writing (onReply fires at acceptance); the cut ones are also in
  // errors_total{code="ISO8583_ERR_INBOUND_CLIENT_GONE"}; stats() counts only those that left.
  assert.equal(after, accepted, 'replies_total: the replies accepted for writing');
  // A trace (the iso8583 command's, by onReply) shows each cut reply as cut, not only as sent.
  assert.equal(cutTold, gone, 'onReply told again (cut) of each reply cut');
  assert.equal(after, got + gone);
  assert.match(await endpoint.registry.metrics(), new RegExp(`iso8583_inbound_errors_total\\{[^}]*code="ISO8583_ERR_INBOUND_CLIENT_GONE"[^}]*\\} ${gone}`));
  assert.equal(stats.replies, got, 'stats().replies: those the client got');
});

/** The sum of a counter's series (`name`), as Prometheus scrapes it. */
async function counterSum(endpoint: InboundEndpoint, name: string): Promise<number> {
  let sum = 0;
  for (const m of (await endpoint.registry.metrics()).matchAll(new RegExp(`^${name}\\{[^}]*\\} (\\d+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

test('reply dropped by a destroy – the docs\' formula: replies that reached the socket are replies_total less replies_cut_total, a reply dropped before acceptance (client gone) in neither', async (t) => {
  const held = gate();
  const pad = (m: InboundMessage) => ({ ...approveAll(m, {} as never) as object, 48: 'X'.repeat(990) });
  const sequence = (m: InboundMessage) => (m.fields['41'] === 'GONE0001' ? held.promise.then(() => pad(m)) : pad(m));
  const { got, endpoint } = await cutReplies(t, { sequence });
  // A reply dropped before it was accepted: its client reset while its sequence ran.
  const client = await TestClient.connect(endpoint.address()!.port);
  t.after(() => client.destroy());
  const before = endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'] ?? 0;
  client.send(purchase(2, { 41: 'GONE0001' }));
  await waitUntil(() => endpoint.stats().inFlight === 1, { timeoutMs: 10_000, what: 'the request to be in its sequence' });
  const left = new Promise<void>((resolve) => endpoint.once('disconnect', () => resolve()));
  client.socket.resetAndDestroy();
  await within(left, 10_000, 'the connection did not close');
  held.open();
  await waitUntil(() => endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'] === before + 1, { timeoutMs: 10_000, what: 'the reply to be dropped' });
  const total = await counterSum(endpoint, 'iso8583_inbound_replies_total');
  const cut = await counterSum(endpoint, 'iso8583_inbound_replies_cut_total');
  assert.ok(cut > 0, 'some replies were cut');
  assert.equal(total - cut, got, 'replies_total less replies_cut_total: what the client got');
  assert.equal(total - cut, endpoint.stats().replies);
  assert.equal(endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_CLIENT_GONE'], cut + 1, 'CLIENT_GONE holds the reply dropped before acceptance too');
});

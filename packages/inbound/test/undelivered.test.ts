// A sequence's result that cannot reach its client (the connection closed before the result was written) is dropped,
// counted as ISO8583_ERR_INBOUND_CLIENT_GONE and handed to onLateResult with reason `client-gone`, as a result that
// comes after the sequence timeout is with `sequence-timeout`: one hook for every result the client never got. With
// `allowHalfOpen: false`, a client's FIN (a terminal that gave up and closed its socket) closes the connection at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LateResultHandler, SequenceResult, UndeliveredReason } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { leaveWhileHeld } from './support/leaving.js';
import { waitUntil } from '@iso8583/test-support';
import { dialectFromJson } from '@iso8583/codec';
import { captureLogs } from './support/logs.js';

/** An endpoint whose sequence answers once `release` opens, telling `entered` first; `told` gets each undelivered result. */
async function holding(t: Parameters<typeof startEndpoint>[0], options: { allowHalfOpen?: boolean; sequenceTimeout?: number } = {}) {
  const entered = gate();
  const release = gate();
  const told = gate<{ result: SequenceResult; reason: UndeliveredReason; stan: unknown }>();
  const onLateResult: LateResultHandler = (result, message, _context, reason) => told.open({ result, reason, stan: message.fields['11'] });
  const started = await startEndpoint(t, {
    ...options,
    onLateResult,
    sequence: async (m) => {
      entered.open();
      await release.promise;
      return approveAll(m, {} as never);
    },
  });
  return { ...started, entered, release, told };
}

test('undelivered – a client that resets its connection before its result: the result goes to onLateResult as client-gone', async (t) => {
  const { port, endpoint, entered, release, told } = await holding(t);
  await leaveWhileHeld(endpoint, port, 21, entered.promise);
  release.open();
  const { result, reason, stan } = await told.promise;
  assert.equal(reason, 'client-gone');
  assert.equal(stan, '000021');
  assert.equal((result as Record<string, unknown>)['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_CLIENT_GONE, 1);
  assert.equal(endpoint.stats().replies, 0);
});

test('undelivered – with allowHalfOpen: false, a client\'s FIN closes the connection; its result goes to onLateResult as client-gone', async (t) => {
  const { port, endpoint, entered, release, told } = await holding(t, { allowHalfOpen: false });
  const leaving = await TestClient.connect(port);
  leaving.send(purchase(22));
  await entered.promise;
  leaving.socket.end();
  // The endpoint closes at once, its reply not yet made: the client sees its side end.
  await leaving.closed;
  release.open();
  const { reason, stan } = await told.promise;
  assert.equal(reason, 'client-gone');
  assert.equal(stan, '000022');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_CLIENT_GONE, 1);
});

test('undelivered – a result after the sequence timeout goes to onLateResult as sequence-timeout', async (t) => {
  const { port, entered, release, told } = await holding(t, { sequenceTimeout: 50 });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const timedOut = client.request(purchase(23));
  await entered.promise;
  assert.equal((await timedOut).fields['39'], '96');
  release.open();
  const { reason, stan } = await told.promise;
  assert.equal(reason, 'sequence-timeout');
  assert.equal(stan, '000023');
});

test('undelivered – a result that cannot be packed (a field 39 too long for the dialect): the client gets a 96, the result goes to onLateResult as reply-invalid', async (t) => {
  const told = gate<{ result: SequenceResult; reason: UndeliveredReason; stan: unknown }>();
  const { port, endpoint } = await startEndpoint(t, {
    onLateResult: (result, message, _context, reason) => told.open({ result, reason, stan: message.fields['11'] }),
    // An approval in a dialect whose field 39 is n 3 (SmartVista's 000): iso87ascii's field 39 is an 2.
    sequence: (m) => ({ ...approveAll(m, {} as never) as Record<string, unknown>, 39: '000' }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(24))).fields['39'], '96');
  const { result, reason, stan } = await told.promise;
  assert.equal(reason, 'reply-invalid');
  assert.equal(stan, '000024');
  assert.equal((result as Record<string, unknown>)['39'], '000');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_INVALID, 1);
});

test('undelivered – a result that cannot be packed whose client has gone too is handed over once, as reply-invalid (never again as client-gone)', async (t) => {
  const entered = gate();
  const release = gate();
  const reasons: UndeliveredReason[] = [];
  const { port, endpoint } = await startEndpoint(t, {
    onLateResult: (_result, _message, _context, reason) => void reasons.push(reason),
    sequence: async (m) => {
      if (m.fields['11'] !== '000027') return approveAll(m, {} as never);
      entered.open();
      await release.promise;
      return { ...approveAll(m, {} as never) as Record<string, unknown>, 39: '000' };
    },
  });
  await leaveWhileHeld(endpoint, port, 27, entered.promise);
  release.open();
  // The next connection's answer comes after anything the first result could have handed over.
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_INVALID === 1 ? true : undefined, { what: 'the reply refused' });
  assert.equal((await client.request(purchase(28))).fields['39'], '00');
  assert.deepEqual(reasons, ['reply-invalid']);
});

test('undelivered – a 1200 on a 1987 endpoint whose result cannot be packed: handed over, and the client gets 96 (its field 39 has 2 characters: a 1987 code, responseCodeIn)', async (t) => {
  const reasons: UndeliveredReason[] = [];
  const { port } = await startEndpoint(t, {
    onLateResult: (_result, _message, _context, reason) => void reasons.push(reason),
    sequence: (m) => ({ ...approveAll(m, {} as never) as Record<string, unknown>, 39: '000' }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const answer = await client.request({ ...purchase(29), 0: '1200' });
  assert.equal(answer.fields['0'], '1210');
  assert.equal(answer.fields['39'], '96', 'not 909: it could not be packed, and the client got nothing');
  assert.deepEqual(reasons, ['reply-invalid']);
});

test('undelivered – a result that cannot be packed, nor a 96 (a dialect whose field 39 is alphabetic): handed over, and an error line says the client gets no answer', async (t) => {
  const logs = captureLogs();
  const reasons: UndeliveredReason[] = [];
  const { port } = await startEndpoint(t, {
    dialect: dialectFromJson({ name: 'alphabetic-39', extends: 'iso87ascii', fields: { '39': { type: 'a' } } }),
    logger: logs.logger,
    onLateResult: (_result, _message, _context, reason) => void reasons.push(reason),
    sequence: (m) => ({ ...approveAll(m, {} as never) as Record<string, unknown>, 39: m.fields['11'] === '000029' ? '000' : 'OK' }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(29));
  const line = JSON.parse(await logs.waitFor(/not even a response code 96/)) as Record<string, unknown>;
  assert.equal(line.level, 50);
  assert.equal(line.code, 'ISO8583_ERR_INBOUND_REPLY_INVALID');
  assert.equal(line.mti, '0200');
  assert.deepEqual(reasons, ['reply-invalid']);
  // The connection still answers what it can.
  assert.equal((await client.request(purchase(30))).fields['39'], 'OK');
});

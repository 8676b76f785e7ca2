// onError's reply that never reaches its client (its connection has gone; it cannot be packed and the client gets a
// 96) is handed to onLateResult like the sequence's own, with its source `onError` (a 5th argument), so that an
// approval onError built from the bank's answer can be reversed. The endpoint's own replies (its 96) are never handed over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultSource, SequenceResult, UndeliveredReason } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { leaveWhileHeld } from './support/leaving.js';

interface Told {
  readonly result: SequenceResult;
  readonly reason: UndeliveredReason;
  readonly source: ResultSource;
  readonly stan: unknown;
}

test('onError undelivered – onError\'s approval whose client has gone goes to onLateResult as client-gone, source onError', async (t) => {
  const entered = gate();
  const release = gate();
  const told = gate<Told>();
  const { port, endpoint } = await startEndpoint(t, {
    onLateResult: (result, message, _context, reason, source) => told.open({ result, reason, source, stan: message.fields['11'] }),
    sequence: () => {
      throw new Error('down');
    },
    onError: async (m) => {
      entered.open();
      await release.promise;
      return approveAll(m, {} as never);
    },
  });
  await leaveWhileHeld(endpoint, port, 41, entered.promise);
  release.open();
  const { result, reason, source, stan } = await told.promise;
  assert.equal(reason, 'client-gone');
  assert.equal(source, 'onError');
  assert.equal(stan, '000041');
  assert.equal((result as Record<string, unknown>)['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_CLIENT_GONE, 1);
});

test('onError undelivered – onError\'s reply that cannot be packed: the client gets a 96, the reply goes to onLateResult as reply-invalid, source onError', async (t) => {
  const told: Told[] = [];
  const { port } = await startEndpoint(t, {
    onLateResult: (result, message, _context, reason, source) => void told.push({ result, reason, source, stan: message.fields['11'] }),
    sequence: () => {
      throw new Error('down');
    },
    // An approval in a dialect whose field 39 is n 3 (SmartVista's 000): iso87ascii's field 39 is an 2.
    onError: (m) => ({ ...approveAll(m, {} as never) as Record<string, unknown>, 39: '000' }),
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(42))).fields['39'], '96');
  assert.equal(told.length, 1);
  assert.equal(told[0]?.reason, 'reply-invalid');
  assert.equal(told[0]?.source, 'onError');
  assert.equal(told[0]?.stan, '000042');
  assert.equal((told[0]?.result as Record<string, unknown>)['39'], '000');
});

test('onError undelivered – the endpoint\'s own 96 (onError throws) whose client has gone is not handed over; a sequence\'s result says source sequence', async (t) => {
  const entered = gate();
  const release = gate();
  const told: Told[] = [];
  const { port, endpoint } = await startEndpoint(t, {
    onLateResult: (result, message, _context, reason, source) => void told.push({ result, reason, source, stan: message.fields['11'] }),
    sequence: (m) => {
      if (m.fields['11'] === '000044') return { ...approveAll(m, {} as never) as Record<string, unknown>, 39: '000' };
      throw new Error('down');
    },
    onError: async () => {
      entered.open();
      await release.promise;
      throw new Error('down too');
    },
  });
  await leaveWhileHeld(endpoint, port, 43, entered.promise);
  release.open();
  // The next connection's answer comes after the endpoint's 96 found its client gone.
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(44))).fields['39'], '96');
  assert.deepEqual(told.map((one) => [one.stan, one.reason, one.source]), [['000044', 'reply-invalid', 'sequence']]);
});

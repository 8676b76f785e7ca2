import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { encodeFrame } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import type { Gate } from './support/gates.js';

test('errors – a field that does not decode is answered with 30 on the response MTI, echoing STAN and terminal', async (t) => {
  let called = 0;
  const { port, endpoint } = await startEndpoint(t, { sequence: () => { called++; return undefined; } });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const image = client.codec.pack({ 0: '0200', 4: '000000001000', 11: '000123', 41: 'TERM0001' }).toString('latin1');
  const bad = Buffer.from(image.replace('000000001000', '0000000010A0'), 'latin1');
  client.write(encodeFrame(bad));
  const reply = await client.reply();
  assert.equal(reply.fields['0'], '0210');
  assert.equal(reply.fields['39'], '30');
  assert.equal(reply.fields['11'], '000123');
  assert.equal(reply.fields['41'], 'TERM0001');
  assert.equal(called, 0);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_DECODE, 1);
  assert.equal(endpoint.stats().byResponseCode['30'], 1);
});

test('errors – a truncated message is answered with 30 echoing the fixed fields before the first variable-length one', async (t) => {
  const { port } = await startEndpoint(t, { sequence: approveAll });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  // Field 2 first: whether the cut or a misread prefix of field 2 (a terminal's "016" + PAN) put the end where it is
  // cannot be told, so nothing after field 2 is trusted, field 2 included.
  const image = client.codec.pack(purchase(456));
  client.write(encodeFrame(image.subarray(0, image.length - 4)));
  const reply = await client.reply();
  assert.deepEqual(reply.fields, { 0: '0210', 39: '30' });
  // Field 2 absent: the fixed fields before track 2 (35) have certain places and are echoed.
  const noPan = client.codec.pack(purchase(457, { 2: undefined, 35: '4111111111111111=3012101123456789' }));
  client.write(encodeFrame(noPan.subarray(0, noPan.length - 4)));
  const second = await client.reply();
  assert.deepEqual(second.fields, { 0: '0210', 3: '000000', 4: '000000001000', 7: '1121103000', 11: '000457', 39: '30' });
});

test('errors – a frame without a readable MTI is dropped, the connection stays and the next request is answered', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(encodeFrame(Buffer.from('XYZ!garbage that is no message')));
  const reply = await client.request(purchase(5));
  assert.equal(reply.fields['11'], '000005');
  assert.equal(reply.fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_DECODE, 1);
});

test('errors – a response MTI that does not decode gets no reply', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(encodeFrame(Buffer.from('0210FFFF')));
  const reply = await client.request(purchase(6));
  assert.equal(reply.fields['11'], '000006');
  assert.equal(endpoint.stats().replies, 1);
});

test('errors – a sequence that throws: the reply carries 96 and the error is counted', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: (m) => {
      throw new Error(`cannot handle card ${String(m.fields['2'])}`);
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(purchase(7));
  assert.equal(reply.fields['0'], '0210');
  assert.equal(reply.fields['39'], '96');
  assert.equal(reply.fields['11'], '000007');
  assert.equal(reply.fields['41'], 'TERM0001');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_SEQUENCE_FAILED, 1);
});

test('errors – a sequence that rejects goes to the onError sequence, which sees the coded error', async (t) => {
  let seen: string | undefined;
  const onError: Sequence = (m, context) => {
    seen = context.error?.code;
    return { 0: '0210', 11: m.fields['11'] as string, 39: '91' };
  };
  const { port } = await startEndpoint(t, { sequence: async () => Promise.reject(new Error('down')), onError });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(purchase(8));
  assert.equal(reply.fields['39'], '91');
  assert.equal(seen, 'ISO8583_ERR_INBOUND_SEQUENCE_FAILED');
});

test('errors – a sequence that times out goes to onError; without one the reply carries 96', async (t) => {
  const never: Sequence = () => new Promise(() => undefined);
  let seen: string | undefined;
  const withHandler = await startEndpoint(t, {
    sequence: never,
    sequenceTimeout: 20,
    onError: (m, context) => {
      seen = context.error?.code;
      return { 0: '0210', 11: m.fields['11'] as string, 39: '68' };
    },
  });
  const a = await TestClient.connect(withHandler.port);
  t.after(() => a.destroy());
  assert.equal((await a.request(purchase(9))).fields['39'], '68');
  assert.equal(seen, 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT');
  const without = await startEndpoint(t, { sequence: never, sequenceTimeout: 20 });
  const b = await TestClient.connect(without.port);
  t.after(() => b.destroy());
  assert.equal((await b.request(purchase(10))).fields['39'], '96');
  assert.equal(without.endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT, 1);
});

test('errors – an onError sequence that fails too: the reply carries 96', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: () => { throw new Error('one'); },
    onError: () => { throw new Error('two'); },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(11))).fields['39'], '96');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_SEQUENCE_FAILED, 2);
});

test('errors – a reply that cannot be packed is replaced by a 96 reply and counted', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: () => ({ 0: '0210', 11: '000012', 4: 'not digits', 39: '00' }) });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(purchase(12));
  assert.equal(reply.fields['39'], '96');
  assert.equal(reply.fields['11'], '000012');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_INVALID, 1);
});

test('replies – XML text, JSON text and objects are all sent; nothing means no reply', async (t) => {
  const replies: Record<string, MessageInput | string | undefined> = {
    '000001': '<ISOMessage><data><field id="0">0210</field><field id="11">000001</field><field id="39">00</field></data></ISOMessage>',
    '000002': '{"0":"0210","11":"000002","39":"05"}',
    '000003': { 0: '0210', 11: 3, 39: '51' },
    '000004': undefined,
    '000005': '{"0":"0210","11":"000005","39":"00"}',
  };
  const { port, endpoint } = await startEndpoint(t, { sequence: (m) => replies[m.fields['11'] as string] });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  for (const stan of [4, 1, 2, 3]) client.send(purchase(stan));
  const got = new Map<string, string>();
  for (let i = 0; i < 3; i++) {
    const r = await client.reply();
    got.set(String(r.fields['11']), String(r.fields['39']));
  }
  assert.deepEqual(Object.fromEntries([...got].sort()), { '000001': '00', '000002': '05', '000003': '51' });
  // A barrier: these sequences answer synchronously, in order, so the next frame would be a reply to 000004 if any.
  client.send(purchase(5));
  assert.equal((await client.reply()).fields['11'], '000005');
  assert.equal(endpoint.stats().messages, 5);
  assert.equal(endpoint.stats().replies, 4);
});

test('concurrency – replies on one connection go back when ready, not in request order', async (t) => {
  const firstEntered = gate();
  const releaseFirst = gate();
  const { port } = await startEndpoint(t, {
    sequence: async (m) => {
      if (m.fields['11'] === '000001') {
        firstEntered.open();
        await releaseFirst.promise;
      }
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await firstEntered.promise;
  client.send(purchase(2));
  // The second request is answered while the first is still in its sequence.
  assert.equal((await client.reply()).fields['11'], '000002');
  releaseFirst.open();
  assert.equal((await client.reply()).fields['11'], '000001');
});

test('concurrency – at most maxInFlightPerConnection messages of a connection are in the sequence at once', async (t) => {
  let running = 0;
  let peak = 0;
  /** The gates of the sequences running now, in order; `full` opens when 4 are held at once. */
  const held: Array<Gate> = [];
  const full = gate();
  const { port } = await startEndpoint(t, {
    maxInFlightPerConnection: 4,
    sequence: async (m) => {
      running++;
      peak = Math.max(peak, running);
      const release = gate();
      held.push(release);
      if (held.length === 4) full.open();
      await release.promise;
      running--;
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(Buffer.concat(Array.from({ length: 100 }, (_, i) => client.frame(purchase(i + 1)))));
  await full.promise;
  // Each release lets exactly one waiting message in: the count never goes over 4 (checked on every entry).
  for (let i = 0; i < 100; i++) {
    held[i]!.open();
    await client.reply();
  }
  assert.equal(peak, 4);
});

test('errors – property: a purchase cut anywhere after its MTI is answered 0210/30, echoing the STAN once it was whole', async (t) => {
  // Every frame of this connection is a format error: the connection is never closed for it (maxFormatErrors 0).
  const { port } = await startEndpoint(t, { sequence: approveAll, maxFormatErrors: 0 });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  // Without field 2: the fields before track 2 (35) have certain places whatever the cut (see recover.ts).
  const image = client.codec.pack(purchase(77, { 2: undefined, 35: '4111111111111111=3012101123456789', 42: 'MERCHANT0000001' }));
  const decoded = client.codec.unpack(image);
  // Where field 11 (STAN 000077, fixed n6) ends in the ASCII image.
  const stanEnd = image.toString('latin1').indexOf('000077') + 6;
  assert.equal(decoded['11'], '000077');
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 4, max: image.length - 1 }), async (cut) => {
      client.write(encodeFrame(image.subarray(0, cut)));
      const reply = await client.reply();
      assert.equal(reply.fields['0'], '0210');
      assert.equal(reply.fields['39'], '30');
      if (cut >= stanEnd) assert.equal(reply.fields['11'], '000077');
      assert.equal(reply.fields['35'], undefined);
    }),
    propertyRuns(80, 1000),
  );
});

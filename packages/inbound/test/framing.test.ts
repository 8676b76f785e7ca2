import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, encodeKeepAlive } from '@iso8583/codec';
import type { FramingOptions } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { readEnds, watchListenerReads } from './support/listener-reads.js';

test('framing – a frame split at the start, in the middle and at the end is answered once', async (t) => {
  const { port } = await startEndpoint(t, { sequence: approveAll });
  const reads = watchListenerReads(t, port);
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const listener = reads(client.socket);
  const bytes = client.frame(purchase(1));
  const cuts = [[1], [bytes.length >> 1], [bytes.length - 1], [1, 2, bytes.length >> 1, bytes.length - 1]];
  const pieceEnds: number[] = [];
  let sent = 0;
  for (const [i, points] of cuts.entries()) {
    const frame = client.frame(purchase(100 + i));
    let from = 0;
    for (const at of [...points!, frame.length]) {
      client.write(frame.subarray(from, at));
      from = at;
      pieceEnds.push(sent + at);
      // The next piece leaves once the listener has read this one: a read of its own.
      await listener.reached(sent + at, `frame ${i} up to byte ${at}`);
    }
    sent += frame.length;
    const reply = await within(client.reply(), 10_000, `the reply to frame ${i} (cut at ${points!.join(', ')})`);
    assert.equal(reply.fields['11'], String(100 + i).padStart(6, '0'));
    assert.equal(reply.fields['0'], '0210');
  }
  assert.deepEqual(readEnds(listener.chunks), pieceEnds, 'the listener read each piece on its own');
});

test('framing – frames coalesced in one write each get their reply', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll });
  const reads = watchListenerReads(t, port);
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const listener = reads(client.socket);
  const frames = Array.from({ length: 200 }, (_, i) => client.frame(purchase(i + 1)));
  client.write(Buffer.concat(frames));
  const replies = await within(Promise.all(frames.map(() => client.reply())), 10_000, 'a reply to each of the 200 frames');
  const stans = new Set(replies.map((r) => String(r.fields['11'])));
  assert.equal(stans.size, 200);
  assert.ok(listener.chunks.length < frames.length, `the listener read several frames at once (${listener.chunks.length} reads)`);
  assert.equal(endpoint.stats().messages, 200);
  assert.equal(endpoint.stats().replies, 200);
});

test('framing – zero-length keep-alive frames are skipped', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(Buffer.concat([encodeKeepAlive(), client.frame(purchase(7)), encodeKeepAlive()]));
  assert.equal((await client.reply()).fields['11'], '000007');
  assert.equal(endpoint.stats().messages, 1);
});

test('framing – a TPDU header (5 bytes) comes back with destination and source swapped', async (t) => {
  const { port } = await startEndpoint(t, { sequence: approveAll, headerBytes: 5 });
  const client = await TestClient.connect(port, { framing: { headerBytes: 5 } });
  t.after(() => client.destroy());
  const reply = await client.request(purchase(9), Buffer.from('6000120034', 'hex'));
  assert.equal(reply.header.toString('hex'), '6000340012');
  assert.equal(reply.fields['11'], '000009');
});

test('framing – the sequence sees the TPDU as the message header, also in the XML view', async (t) => {
  let seen: { header: string; xml: string } | undefined;
  const { port } = await startEndpoint(t, {
    headerBytes: 5,
    sequence: (m) => {
      seen = { header: m.header.toString('hex'), xml: m.xml };
      return { 0: '0210', 11: m.fields['11'] as string, 39: '00' };
    },
  });
  const client = await TestClient.connect(port, { framing: { headerBytes: 5 } });
  t.after(() => client.destroy());
  await client.request(purchase(10), Buffer.from('6000120034', 'hex'));
  assert.equal(seen?.header, '6000120034');
  assert.match(seen?.xml ?? '', new RegExp(`<header>${Buffer.from('6000120034', 'hex').toString('base64')}</header>`));
});

for (const framing of [
  { lengthHeader: 'ascii4' },
  { lengthHeader: 'ascii4', lengthIncludesHeader: true },
  { lengthHeader: 'binary4' },
  { lengthHeader: 'bcd2' },
] satisfies FramingOptions[]) {
  test(`framing – ${framing.lengthHeader}${framing.lengthIncludesHeader === true ? ' (counting itself)' : ''} length headers`, async (t) => {
    const { port } = await startEndpoint(t, {
      sequence: approveAll,
      frame: framing.lengthHeader,
      lengthIncludesHeader: framing.lengthIncludesHeader ?? false,
    });
    const client = await TestClient.connect(port, { framing });
    t.after(() => client.destroy());
    client.write(Buffer.concat([client.frame(purchase(21)), client.frame(purchase(22))]));
    const stans = [String((await client.reply()).fields['11']), String((await client.reply()).fields['11'])].sort();
    assert.deepEqual(stans, ['000021', '000022']);
  });
}

test('framing – with no length header the stream is cut by decoding', async (t) => {
  const { port } = await startEndpoint(t, { sequence: approveAll, frame: 'none' });
  const reads = watchListenerReads(t, port);
  const codec = createCodec('iso87ascii');
  const measuring = await TestClient.connect(port, { framing: { lengthHeader: 'none', measure: (b) => codec.measure(b) } });
  t.after(() => measuring.destroy());
  const a = measuring.codec.pack(purchase(31));
  const b = measuring.codec.pack(purchase(32));
  const both = Buffer.concat([a, b]);
  const listener = reads(measuring.socket);
  measuring.write(both.subarray(0, a.length + 3));
  await listener.reached(a.length + 3, 'the first message and 3 bytes of the second');
  measuring.write(both.subarray(a.length + 3));
  const stans = [String((await measuring.reply()).fields['11']), String((await measuring.reply()).fields['11'])].sort();
  assert.deepEqual(stans, ['000031', '000032']);
  assert.deepEqual(readEnds(listener.chunks), [a.length + 3, both.length], 'the listener read the two pieces on their own');
});

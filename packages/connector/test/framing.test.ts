// Every length header of the codec's framing works end to end, and a fixed header (TPDU) travels with each message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromXml, swapTpdu } from '@iso8583/codec';
import type { LengthHeader } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';

for (const frame of ['binary2', 'binary4', 'bcd2', 'ascii4', 'none'] as LengthHeader[]) {
  test(`frame ${frame}: requests and responses cross the socket, several in flight`, async (t) => {
    const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)), {
      framing: { lengthHeader: frame, ...(frame === 'none' ? { measure: (b: Buffer) => codec.measure(b) } : {}) },
    });
    const codec = peer.codec;
    const connector = createConnector({ host: '127.0.0.1', port: peer.port, frame });
    t.after(async () => {
      await connector.destroy();
      await peer.close();
    });
    const responses = await Promise.all(['011001', '011002', '011003'].map((s) => connector.request(purchase(s))));
    assert.deepEqual(responses.map((m) => m['11']), ['011001', '011002', '011003']);
  });
}

test('a TPDU header goes with every request; the reply comes with source and destination swapped', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message), swapTpdu(r.header)), {
    framing: { lengthHeader: 'binary2', headerBytes: 5 },
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, headerBytes: 5, header: '6000010002' });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  const xml = await connector.sendMessage(
    '<ISOMessage><data><field id="0">0200</field><field id="3">000000</field><field id="11">011101</field><field id="41">TERM0001</field></data></ISOMessage>',
  );
  assert.equal(peer.received[0]?.header.toString('hex'), '6000010002');
  assert.equal(fromXml(xml).header?.toString('hex'), '6000020001');
  await connector.request(purchase('011102'), { header: Buffer.from('6000330044', 'hex') });
  assert.equal(peer.received[1]?.header.toString('hex'), '6000330044');
});

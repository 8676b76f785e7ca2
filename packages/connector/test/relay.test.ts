// relay(): a request already in its wire image goes out as it came (no second pack), with everything request() does
// read from its decoded view (match key, journal, auto-fill); the response comes back with its bytes as received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStream, createCodec, encodeFrame, getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { JOURNAL_FILE, createConnector } from '../src/index.js';
import { answer, purchase } from './peer.js';

const ascii = createCodec('iso87ascii');
const framing = { lengthHeader: 'binary2' } as const;

/** The hex bitmap of an iso87ascii image (after the 4-digit MTI) in lower case: valid, but not what pack writes. */
function lowerBitmap(image: Buffer): Buffer {
  const out = Buffer.from(image);
  out.write(image.toString('latin1', 4, 20).toLowerCase(), 4, 'latin1');
  return out;
}

/** A host that keeps every request payload as it came and answers through `respond` (its bytes, or nothing). */
async function rawHost(respond: (payload: Buffer, socket: Socket) => Buffer | undefined): Promise<{ port: number; payloads: Buffer[]; close(): Promise<void> }> {
  const payloads: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    const stream: MessageStream = new MessageStream(socket, { framing }, {
      frame: (f) => {
        const payload = Buffer.from(f.payload);
        payloads.push(payload);
        const out = respond(payload, socket);
        if (out !== undefined) socket.write(encodeFrame(out, framing));
      },
    });
    void stream;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    payloads,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The response to a payload, packed by the test's codec, with its bitmap in lower case. */
function lowerAnswer(payload: Buffer): Buffer {
  return lowerBitmap(ascii.pack(answer(ascii.unpack(payload), { '38': 'ABC123', '37': '000000000001' })));
}

test('relay writes the wire image it is given as it is and returns the response bytes as the host sent them', async (t) => {
  const host = await rawHost((payload) => lowerAnswer(payload));
  const connector = createConnector({ host: '127.0.0.1', port: host.port, requestTimeout: 5000 });
  t.after(async () => {
    await connector.destroy();
    await host.close();
  });
  const message: IsoMessage = { ...purchase('000321'), '13': '1121', '14': '3012' };
  const body = lowerBitmap(ascii.pack(message));
  assert.notDeepEqual(body, ascii.pack(message), 'the test image differs from what pack writes');
  const response = await connector.relay({ message: ascii.unpack(body), body, dialect: getDialect('iso87ascii') });
  assert.deepEqual(host.payloads[0], body, 'the host got the bytes as relayed, not a second pack');
  assert.equal(response.message['0'], '0210');
  assert.equal(response.message['11'], '000321');
  assert.equal(response.message['39'], '00');
  assert.match(response.body.toString('latin1', 4, 20), /[a-f]/, 'the response bitmap keeps its lower case');
  assert.deepEqual(ascii.unpack(response.body), response.message);
  assert.equal(connector.stats().responses, 1);
});

test('relay packs the decoded view when the bytes are in another dialect', async (t) => {
  const host = await rawHost((payload) => ascii.pack(answer(ascii.unpack(payload))));
  const connector = createConnector({ host: '127.0.0.1', port: host.port, requestTimeout: 5000 });
  t.after(async () => {
    await connector.destroy();
    await host.close();
  });
  const binary = createCodec('iso87binary');
  const message = purchase('000322');
  const body = binary.pack(message);
  const response = await connector.relay({ message: binary.unpack(body), body, dialect: getDialect('iso87binary') });
  assert.deepEqual(host.payloads[0], ascii.pack(message), 'the host got the view packed in the connector dialect');
  assert.equal(response.message['11'], '000322');
});

test('relay packs the view when auto-fill adds the STAN the bytes do not carry', async (t) => {
  const host = await rawHost((payload) => ascii.pack(answer(ascii.unpack(payload))));
  const connector = createConnector({ host: '127.0.0.1', port: host.port, requestTimeout: 5000, autoFill: { stan: true } });
  t.after(async () => {
    await connector.destroy();
    await host.close();
  });
  const message = purchase('000000');
  delete message['11'];
  const body = ascii.pack(message);
  const response = await connector.relay({ message: ascii.unpack(body), body, dialect: getDialect('iso87ascii') });
  const sent = ascii.unpack(host.payloads[0] as Buffer);
  assert.match(String(sent['11']), /^\d{6}$/);
  assert.equal(response.message['11'], sent['11']);
});

test('relay journals the reversal before the bytes leave, and reverses an unanswered purchase', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-relay-'));
  const journaledFirst: boolean[] = [];
  const host = await rawHost((payload) => {
    const m = ascii.unpack(payload);
    if (m['0'] === '0200') {
      // The original reaches the host: its reversal must already be on disk. No answer: the outcome is unknown.
      journaledFirst.push(readFileSync(join(dir, JOURNAL_FILE), 'utf8').includes('"add"'));
      return undefined;
    }
    return ascii.pack(answer(m));
  });
  const connector = createConnector({
    host: '127.0.0.1',
    port: host.port,
    requestTimeout: 300,
    reversal: { enabled: true, journalDir: dir, retryInterval: 100 },
  });
  t.after(async () => {
    await connector.destroy();
    await host.close();
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const reversed = new Promise<unknown>((resolve) => connector.on('reversal', (e) => {
      if (e.stage === 'answered') resolve(e);
    }));
  const body = ascii.pack(purchase('000323'));
  await assert.rejects(connector.relay({ message: ascii.unpack(body), body, dialect: getDialect('iso87ascii') }), {
    code: 'ISO8583_ERR_CONNECTOR_TIMEOUT',
  });
  await reversed;
  assert.deepEqual(journaledFirst, [true]);
  const reversal = ascii.unpack(host.payloads[1] as Buffer);
  assert.equal(reversal['0'], '0400');
  assert.equal(String(reversal['90']).slice(0, 10), '0200000323');
});

// `iso8583 load`'s terminals never reuse a STAN still waiting for its answer on their connection: when the counter
// wraps from 999999 to 000001 while 000001 waits, the next free STAN is used, and the late answer is its own request's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { LoadRun } from '../src/load/load-run.js';
import { LoadClient } from '../src/load/terminal.js';

const codec = createCodec('iso87ascii');
const FRAMING = { lengthHeader: 'binary2' } as const;

function answerFrame(request: IsoMessage): Buffer {
  const reply: IsoMessage = { '0': '0210', '11': request['11'] as string, '39': '00', '41': request['41'] as string };
  return encodeFrame(codec.pack(reply), FRAMING);
}

test('a terminal whose STAN wraps to one still in flight skips it: no STAN twice in flight, each answer its own request\'s', async (t) => {
  const stans: string[] = [];
  let held: { request: IsoMessage; socket: net.Socket } | undefined;
  let firstSeen: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    firstSeen = resolve;
  });
  // The first request is held until the third comes; every other one is answered at once.
  const server = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const payload = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + payload.length);
        const request = codec.decode(payload).message;
        stans.push(request['11'] as string);
        if (held === undefined) {
          held = { request, socket };
          firstSeen();
          continue;
        }
        socket.write(answerFrame(request));
        if (stans.length === 3) held.socket.write(answerFrame(held.request));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const clients: LoadClient[] = [];
  // The terminal's connection first: the server's close waits for it.
  t.after(() => {
    for (const c of clients) c.close();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const socket = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  await new Promise((resolve) => socket.once('connect', resolve));
  const run = new LoadRun('1987', 3, undefined, undefined);
  run.open = 1;
  const client = new LoadClient(socket, 0, run, codec, FRAMING, Buffer.alloc(0), 10_000);
  clients.push(client);
  // Two requests in flight on the terminal: the first (000001) waits at the host...
  const a = client.work();
  await first;
  // ... while the terminal goes round its STANs: 999998 requests later its counter stands at 999999.
  (client as unknown as { stan: number }).stan = 999_999;
  const b = client.work();
  await Promise.all([a, b]);
  assert.deepEqual(stans, ['000001', '000002', '000003'], 'the wrapped counter skipped 000001, still in flight');
  assert.deepEqual(run.outcomes, { '00': 3 }, 'each request answered by its own answer');
  assert.equal(run.unmatched, 0);
  assert.equal(run.sent, 3);
});

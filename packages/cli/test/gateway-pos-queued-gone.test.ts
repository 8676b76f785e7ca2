// A POS terminal that gives up (closes its connection) while its purchase still waits in its terminal's queue at the
// gateway (--terminal-queue: its earlier purchase is at the bank) has the purchase dropped, never sent to the bank, as
// SocketQueue's hasGone does: with reversal off (--no-reversal, SocketQueue's --noAutoReversal) a purchase sent anyway
// would leave the cardholder charged for a sale abandoned before it was sent. The terminal's next purchase goes out
// right after the first. The real gateway binary, a real bank endpoint, raw POS sockets; /stats shows the queue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createInboundEndpoint } from '@iso8583/inbound';
import type { InboundMessage, SequenceResult } from '@iso8583/inbound';
import { waitUntil, within } from '@iso8583/test-support';
import { startGateway } from './helpers/gateway-process.js';

const DEADLINE = 15_000;
const codec = createCodec('iso87ascii');

function purchase(stan: string): IsoMessage {
  return { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1121103000', '11': stan, '41': 'TERM0001', '49': '840' };
}

/** A POS connection that has sent `message`; `answer` resolves with the first reply (binary2 frames). */
function pos(port: number, message: IsoMessage): { socket: Socket; answer: Promise<IsoMessage> } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  let buf = Buffer.alloc(0);
  const answer = new Promise<IsoMessage>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) resolve(codec.unpack(buf.subarray(2, 2 + buf.readUInt16BE(0))));
    });
    socket.once('close', () => reject(new Error('the POS connection closed without a reply')));
  });
  answer.catch(() => undefined);
  socket.write(encodeFrame(codec.pack(message), { lengthHeader: 'binary2' }));
  return { socket, answer };
}

test('gateway POS – a purchase whose terminal gives up while it waits in the terminal queue is never sent to the bank (--no-reversal)', async (t) => {
  const HELD = '000901';
  const bank: string[] = [];
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  let atBank: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (atBank = resolve));
  const answer = (m: InboundMessage): SequenceResult => ({ ...m.fields, '0': '0210', '39': '00', '38': 'A1B2C3' });
  const endpoint = createInboundEndpoint({
    port: 0, host: '127.0.0.1', dialect: 'iso87ascii',
    sequence: async (m) => {
      bank.push(String(m.fields['11']));
      if (m.fields['11'] !== HELD) return answer(m);
      atBank();
      await held;
      return answer(m);
    },
  });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  t.after(() => release());
  const gw = await startGateway(t, ['--upstream', `127.0.0.1:${port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0', '--terminal-queue', '--no-reversal', '--no-transaction-log', '--log-level', 'silent']);
  const pending = async (): Promise<number> => {
    const r = await fetch(`http://127.0.0.1:${gw.http}/stats`);
    return ((await r.json()) as { upstream: { pending: number } }).upstream.pending;
  };
  const a = pos(gw.pos, purchase(HELD));
  t.after(() => a.socket.destroy());
  await within(first, DEADLINE, 'the bank did not get the first purchase');
  const b = pos(gw.pos, purchase('000902'));
  await waitUntil(async () => (await pending()) === 1, { what: 'the second purchase to wait in its terminal\'s queue' });
  b.socket.destroy();
  // Its terminal gone, the second purchase leaves the queue while the first is still held at the bank.
  await waitUntil(async () => (await pending()) === 0, { what: 'the purchase of a terminal gone to leave the queue (it stays, to be sent)', timeoutMs: 5_000 });
  release();
  assert.equal((await within(a.answer, DEADLINE, 'the first terminal got no reply'))['39'], '00');
  const c = pos(gw.pos, purchase('000903'));
  t.after(() => c.socket.destroy());
  assert.equal((await within(c.answer, DEADLINE, 'the third terminal got no reply'))['39'], '00');
  assert.deepEqual(bank, [HELD, '000903'], 'the purchase of a terminal that gave up reached the bank');
});

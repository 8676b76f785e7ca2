// A POS client that sends a message expecting no answer (a 0210: a terminal has no business sending a response to the
// bank) gets no reply, and the gateway forwards nothing: the connector refuses it before it is written or held
// (ISO8583_ERR_CONNECTOR_INPUT, field 0, counted as an error, never a timeout), so the real 0200 of that STAN and
// terminal goes through at once, with --terminal-queue too, instead of 94 (DUPLICATE_KEY) or a wait of the whole
// request timeout. The real gateway binary, a real bank endpoint, raw POS sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { startGateway } from './helpers/gateway-process.js';

const DEADLINE = 15_000;
const codec = createCodec('iso87ascii');

function purchase(mti: string): IsoMessage {
  return { '0': mti, '2': '4111111111111111', '3': '000000', '4': '000000002500', '7': '1205161000', '11': '000951', '41': 'TERM0051', '49': '840' };
}

/** A POS connection that has sent `messages` in one write; `replies` collects what comes back (binary2 frames). */
function pos(port: number, messages: IsoMessage[]): { socket: Socket; first: Promise<IsoMessage>; replies: IsoMessage[] } {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const replies: IsoMessage[] = [];
  let buf = Buffer.alloc(0);
  const first = new Promise<IsoMessage>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const n = buf.readUInt16BE(0);
        replies.push(codec.unpack(buf.subarray(2, 2 + n)));
        buf = buf.subarray(2 + n);
        resolve(replies[0] as IsoMessage);
      }
    });
    socket.once('close', () => reject(new Error('the POS connection closed without a reply')));
  });
  first.catch(() => undefined);
  socket.write(Buffer.concat(messages.map((m) => encodeFrame(codec.pack(m), { lengthHeader: 'binary2' }))));
  return { socket, first, replies };
}

for (const queue of [[], ['--terminal-queue']]) {
  test(`gateway POS – a 0210 from a terminal is answered nothing and forwarded nowhere; its STAN's 0200 then gets 00 ${queue.join(' ')}`, async (t) => {
    const bank: string[] = [];
    const endpoint = createInboundEndpoint({
      port: 0, host: '127.0.0.1', dialect: 'iso87ascii',
      sequence: (m) => {
        bank.push(String(m.fields['0']));
        return { ...m.fields, '0': '0210', '39': '00', '38': 'A1B2C3' };
      },
    });
    const { port } = await endpoint.start();
    t.after(() => endpoint.destroy());
    const gw = await startGateway(t, ['--upstream', `127.0.0.1:${port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0', '--request-timeout', '60000', ...queue, '--no-reversal', '--no-transaction-log', '--log-level', 'silent']);
    const a = pos(gw.pos, [purchase('0210'), purchase('0200')]);
    t.after(() => a.socket.destroy());
    const reply = await within(a.first, DEADLINE, 'the 0200 after a 0210 of its STAN and terminal got no reply');
    assert.equal(reply['0'], '0210');
    assert.equal(reply['39'], '00');
    assert.deepEqual(bank, ['0200'], 'only the purchase reached the bank');
    const stats = (await (await fetch(`http://127.0.0.1:${gw.http}/stats`)).json()) as { upstream: { timeouts: number; errors: number } };
    assert.equal(stats.upstream.timeouts, 0);
    assert.equal(stats.upstream.errors, 1, 'the 0210 is counted, as refused');
    assert.equal(a.replies.length, 1, 'the 0210 got no reply');
  });
}

/**
 * The gateway's relay, end to end with the real `iso8583 gateway`: where POS clients and the bank speak the same
 * dialect, the bytes a terminal sent reach the bank as they were sent (no second pack), and the bank's answer reaches
 * the terminal as the bank sent it; a message that does not decode still gets its coded answer (30) and never
 * reaches the bank.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStream, createCodec, encodeFrame, responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { startGateway, stopAll } from './helpers/cli.js';
import { purchase } from './helpers/pos.js';

const codec = createCodec('iso87ascii');
const FRAMING = { lengthHeader: 'binary2' } as const;
const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-relay-'));

/** An iso87ascii image with its hex bitmap in lower case: valid, but not what pack writes (upper case). */
function lowerBitmap(image: Buffer): Buffer {
  const out = Buffer.from(image);
  out.write(image.toString('latin1', 4, 20).toLowerCase(), 4, 'latin1');
  return out;
}

/**
 * Frames received on a socket, as received (copies), handed out in order. Once the socket has closed, a wait for a
 * frame that has not come fails at once (the bank's loop ends with its connection, not 20 s later).
 */
class Frames {
  private readonly got: Buffer[] = [];
  private readonly waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  private closed = false;
  constructor(readonly socket: Socket) {
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error('the connection closed'));
    });
    const stream: MessageStream = new MessageStream(socket, { framing: FRAMING }, {
      frame: (f) => {
        const copy = Buffer.from(f.payload);
        const w = this.waiting.shift();
        if (w !== undefined) w.resolve(copy);
        else this.got.push(copy);
      },
    });
    void stream;
  }
  next(what: string): Promise<Buffer> {
    const b = this.got.shift();
    if (b !== undefined) return Promise.resolve(b);
    if (this.closed) return Promise.reject(new Error(`${what}: the connection closed`));
    return within(new Promise<Buffer>((resolve, reject) => this.waiting.push({ resolve, reject })), 20_000, what);
  }
}

let bank: Server;
const bankPayloads: Buffer[] = [];
const bankAnswers: Buffer[] = [];
let pos: { host: string; port: number };

before(async () => {
  // The bank answers with fields 37 and 38 (hex letters in the bitmap), its bitmap in lower case.
  bank = createServer((socket) => {
    const frames = new Frames(socket);
    const loop = async (): Promise<void> => {
      for (;;) {
        const payload = await frames.next('bank').catch(() => undefined);
        if (payload === undefined) return;
        bankPayloads.push(payload);
        const request = codec.unpack(payload);
        const reply: IsoMessage = { '0': responseMti(String(request['0'])) ?? '0810' };
        for (const id of ['3', '4', '7', '11', '41', '70']) if (typeof request[id] === 'string') reply[id] = request[id];
        if (request['0'] === '0200') Object.assign(reply, { '37': '000000000001', '38': 'ABC123' });
        reply['39'] = '00';
        const answer = lowerBitmap(codec.pack(reply));
        bankAnswers.push(answer);
        socket.write(encodeFrame(answer, FRAMING));
      }
    };
    void loop();
  });
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
  const gw = await startGateway([
    '--upstream', `127.0.0.1:${(bank.address() as { port: number }).port}`,
    '--reversal-journal', join(work, 'journal'),
    '--log-level', 'error',
  ]);
  pos = gw.pos;
});

after(async () => {
  await stopAll();
  await new Promise<void>((resolve) => bank.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

async function terminal(): Promise<Frames> {
  const socket = connect({ host: pos.host, port: pos.port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return new Frames(socket);
}

describe('iso8583 gateway relay', () => {
  test('the terminal bytes reach the bank as sent, and the bank answer reaches the terminal as the bank sent it', async () => {
    const t = await terminal();
    const request = lowerBitmap(codec.pack({ ...purchase('RELAY001', 7, 1234), '13': '1121', '14': '3012' }));
    assert.match(request.toString('latin1', 4, 20), /[a-f]/, 'the test request has hex letters in its bitmap');
    const before = bankPayloads.length;
    t.socket.write(encodeFrame(request, FRAMING));
    const answer = await t.next('the answer to the purchase');
    const atBank = bankPayloads.slice(before).find((p) => codec.unpack(p)['41'] === 'RELAY001');
    assert.deepEqual(atBank, request, 'relayed without a second pack');
    assert.ok(bankAnswers.some((b) => b.equals(answer)), 'the bank answer came back byte for byte');
    const fields = codec.unpack(answer);
    assert.equal(fields['39'], '00');
    assert.equal(fields['11'], '000007');
    t.socket.destroy();
  });

  test('a message that does not decode gets response code 30 from the gateway and never reaches the bank', async () => {
    const t = await terminal();
    // Field 4 (amount, n 12) with letters: the endpoint refuses it before anything is relayed.
    const good = codec.pack(purchase('RELAY002', 8, 99));
    const text = good.toString('latin1');
    const amount = '000000000099';
    const at = text.indexOf(amount);
    assert.ok(at > 0);
    const bad = Buffer.from(text.slice(0, at) + '0000000000XY' + text.slice(at + amount.length), 'latin1');
    t.socket.write(encodeFrame(bad, FRAMING));
    const answer = codec.unpack(await t.next('the format error answer'));
    assert.equal(answer['0'], '0210');
    assert.equal(answer['39'], '30');
    assert.equal(answer['41'], 'RELAY002');
    assert.ok(!bankPayloads.some((p) => p.toString('latin1').includes('RELAY002')), 'the malformed message was not relayed');
    t.socket.destroy();
  });
});

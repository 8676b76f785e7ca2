/**
 * The real `iso8583 gateway` (and the real `simulate-host` behind it): a terminal whose field 2 or 35 comes with a
 * 3-digit prefix ("016" + PAN) to the LLVAR dialect. The message does not decode and what follows the misframed prefix
 * is the card's own digits: the gateway's 30 answer and its default log lines carry none of them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';
import type { MessageInput } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { exitWithin, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';

const codec = createCodec('iso87ascii');
const PAN = '4761739001010119';
const TRACK2 = `${PAN}=30121017345982614`;

let gateway: CliProcess;
let pos: { host: string; port: number };

before(async () => {
  const bank = await startSimulator();
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`]);
  gateway = gw.process;
  pos = gw.pos;
});

after(() => stopAll());

/** Every run of 7 digits of the card data: text holding one shows more than first 6 / last 4 of the PAN. */
function assertNoCardDigits(text: string, where: string): void {
  const digits = PAN + TRACK2.slice(PAN.length + 1);
  for (let i = 0; i + 7 <= digits.length; i++) {
    const run = digits.slice(i, i + 7);
    assert.ok(!text.includes(run), `${where} holds ${run}: ${text.slice(-2000)}`);
  }
}

/** `message` packed, the LLVAR prefix of `value` sent with 3 digits; resolves with the gateway's answer. */
async function sendMisframed(message: MessageInput, value: string): Promise<Buffer> {
  const text = codec.pack(message).toString('latin1');
  const llvar = String(value.length).padStart(2, '0') + value;
  assert.ok(text.includes(llvar));
  const socket = connect(pos.port, pos.host);
  try {
    const answer = within(new Promise<Buffer>((resolve) => {
      const stream = new MessageStream(socket, {}, { frame: (f) => resolve(Buffer.from(f.payload)) });
      void stream;
    }), 20_000, 'the gateway\'s answer');
    socket.write(encodeFrame(Buffer.from(text.replace(llvar, '0' + llvar), 'latin1')));
    return await answer;
  } finally {
    socket.destroy();
  }
}

test('gateway: misframed PAN and track 2 get a 30 answer with no card digits, and the log has none', async () => {
  const panAnswer = await sendMisframed({ 0: '0200', 2: PAN, 3: '000000', 4: '000000001000', 11: '000002', 41: 'TERM0001' }, PAN);
  assert.deepEqual(codec.unpack(panAnswer), { 0: '0210', 39: '30' });
  const trackAnswer = await sendMisframed(
    { 0: '0200', 3: '000000', 4: '000000001000', 11: '000003', 35: TRACK2, 41: 'TERM0001', 42: 'MERCHANT0000001' },
    TRACK2,
  );
  assert.deepEqual(codec.unpack(trackAnswer), { 0: '0210', 3: '000000', 4: '000000001000', 11: '000003', 39: '30' });
  assertNoCardDigits(panAnswer.toString('latin1') + trackAnswer.toString('latin1'), 'the answers');
  gateway.kill('SIGTERM');
  await exitWithin(gateway, 20_000, 'the gateway stopping');
  const log = gateway.stderr() + gateway.stdout();
  assert.match(log, /ISO8583_ERR_INBOUND_DECODE/);
  assertNoCardDigits(log, 'the gateway\'s log');
});

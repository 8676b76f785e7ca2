// A flow judges its sequence's reply with the endpoint's own codec, `lenient` as configured: under SmartVista (field 39
// `n 3`) a reply with `39: 0` and a control character in field 43 (`ans`: only a lenient endpoint packs it) goes out as
// `000`, the approval the terminal is told, so the sequence's approval at the bank is kept. The book judged it with the
// strict codec, which cannot pack it: it read the `0` as written, no approval, and reversed the bank's approval while
// the terminal was told approved. onError's answer (the sequence failing after the bank approved) is judged the same
// way. Real sockets: the bank endpoint approving with 000 behind a connector, the flow's lenient endpoint with its
// approval book, the terminal a raw TCP client that reads the reply leniently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { createCodec } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { smartVistaFlow } from './helpers/smartvista-flow.js';

const codec = createCodec('smartvista', { lenient: true });

/** Sends `message` over a raw socket (2-byte binary length header) to `port`, returns the reply read leniently. */
async function rawRequest(port: number, message: IsoMessage): Promise<IsoMessage> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    const body = codec.pack(message);
    const head = Buffer.alloc(2);
    head.writeUInt16BE(body.length);
    socket.write(Buffer.concat([head, body]));
    let got = Buffer.alloc(0);
    for await (const chunk of socket) {
      got = Buffer.concat([got, chunk as Buffer]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) break;
    }
    return codec.unpack(got.subarray(2, 2 + got.readUInt16BE(0)));
  } finally {
    socket.destroy();
  }
}

test('flow reply – judged with the lenient endpoint\'s codec: 39: 0 beside a control character packs as 000, the approval kept', async (t) => {
  const { port, reversed, bankAnswers } = await smartVistaFlow(t, (m) => ({ ...m.fields, 0: '0210', 39: 0, 43: 'SHOP\u0001NAME' }), undefined, { lenient: true });
  const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: '000400', 12: '043000', 13: '1204', 41: '00000001', 49: '840' };
  const told = await within(rawRequest(port, purchase), 10_000, 'the terminal answered');
  assert.deepEqual(bankAnswers, ['0210', '000'], 'the bank approved');
  assert.equal(told['39'], '000', 'the terminal was told approved');
  assert.equal(String(told['43']).trimEnd(), 'SHOP\u0001NAME', 'the reply went out as the sequence wrote it (padded)');
  assert.deepEqual(reversed, [], 'nothing reversed: the terminal was told approved');
});

test('flow onError – its answer judged with the lenient endpoint\'s codec: 39: 0 beside a control character packs as 000, the approval kept', async (t) => {
  const { port, reversed, bankAnswers } = await smartVistaFlow(
    t,
    () => {
      throw new Error('after approval');
    },
    (m) => ({ ...m.fields, 0: '0210', 39: 0, 43: 'SHOP\u0001NAME' }),
    { lenient: true },
  );
  const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: '000401', 12: '043000', 13: '1204', 41: '00000001', 49: '840' };
  const told = await within(rawRequest(port, purchase), 10_000, 'the terminal answered');
  assert.deepEqual(bankAnswers, ['0210', '000'], 'the bank approved');
  assert.equal(told['39'], '000', 'the terminal was told approved (onError\'s answer)');
  assert.equal(String(told['43']).trimEnd(), 'SHOP\u0001NAME', 'onError\'s reply went out as it wrote it (padded)');
  assert.deepEqual(reversed, [], 'nothing reversed: the terminal was told approved');
});

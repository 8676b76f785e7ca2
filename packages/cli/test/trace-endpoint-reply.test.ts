/**
 * An endpoint's `out` trace is the reply it wrote, not what its sequence returned: a reply that does not pack (a PAN
 * given as field 39) goes as a 96, and the trace shows that 96, and never the PAN the sequence put in field 39. An
 * endpoint-made reply (30, 96) whose echoed fields do not pack goes smaller, and is traced as it went.
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createInboundEndpoint } from '@iso8583/inbound';
import { createTracer } from '../src/trace.js';
import { PURCHASE } from './messages.js';

const PAN = '4761739001010010';

const codec = createCodec('iso87ascii');

/** A traced line of the endpoint. */
interface Line {
  direction?: string;
  responseCode?: string;
  msg: string;
}

type Sequence = Parameters<ReturnType<typeof createTracer>['endpoint']>[1];

/**
 * Starts an endpoint (binary2, `sequence` traced with `logMessages`), sends it `image` from a client and reads the
 * one reply: the reply, the endpoint's `out` trace lines, and every line logged, as text.
 */
async function exchange(t: TestContext, sequence: Sequence, image: Buffer): Promise<{ reply: IsoMessage; out: Line[]; text: string }> {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const tracer = createTracer({ logger, logMessages: true });
  const endpoint = createInboundEndpoint({ port: 0, host: '127.0.0.1', frame: 'binary2', ...tracer.endpoint('pos', sequence) });
  const { port } = await endpoint.start();
  t.after(() => endpoint.close());
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  socket.write(encodeFrame(image, { lengthHeader: 'binary2' }));
  let got = Buffer.alloc(0);
  while (got.length < 2 || got.length < 2 + got.readUInt16BE(0)) got = Buffer.concat([got, (await once(socket, 'data'))[0] as Buffer]);
  const reply: IsoMessage = codec.unpack(got.subarray(2));
  // The reply is traced as it is written, before the client can read it.
  const out = lines.map((l) => JSON.parse(l) as Line).filter((l) => l.direction === 'out');
  return { reply, out, text: lines.join('') };
}

test('trace – the out line of an endpoint is the reply it wrote (a 96 for a reply that does not pack), never a PAN in field 39', async (t) => {
  const { reply, out, text } = await exchange(t, (message) => ({ ...message.fields, '0': '0210', '39': `ZZZ${PAN}` }), codec.pack({ ...PURCHASE, '2': PAN }));
  assert.deepEqual([reply['0'], reply['39']], ['0210', '96']);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.responseCode, '96');
  assert.match(out[0]?.msg ?? '', /RESPONSE CODE: 96/);
  assert.ok(!text.includes(PAN), text);
});

test('trace – a 30 whose echoed fields do not pack goes smaller, and its out line shows the fields that went, no others', async (t) => {
  // Field 3 (n6) holds letters: the request does not decode; its fields are recovered leniently and the 30 echoes
  // them, but a 3 of letters does not pack: the client gets 0, 11, 41 and 39 only.
  const image = codec.pack({ ...PURCHASE, '2': PAN, '3': '123456' });
  const at = image.indexOf('123456', 0, 'latin1');
  image.write('ABCDEF', at, 'latin1');
  const { reply, out } = await exchange(t, () => { throw new Error('a frame that does not decode never reaches the sequence'); }, image);
  assert.deepEqual(Object.keys(reply).filter((k) => k !== '1').sort(), ['0', '11', '39', '41']);
  assert.equal(reply['39'], '30');
  assert.equal(out.length, 1);
  assert.equal(out[0]?.responseCode, '30');
  const shown = (out[0]?.msg ?? '').split('\n').slice(1).map((l) => l.trim().split(/ +/)[0]);
  assert.deepEqual(shown, ['0', '11', '39', '41'], out[0]?.msg);
});

test('trace – a reply its connection\'s destroy cut before it left (onReply told again, cut) has a second out line saying it was cut', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const { onReply } = createTracer({ logger, logMessages: true }).endpoint('pos', () => undefined);
  const reply = { ...PURCHASE, '0': '0210', '39': '00' } as IsoMessage;
  onReply!(reply, { remoteAddress: '127.0.0.1', remotePort: 4000, latencyMs: 3 });
  onReply!(reply, { remoteAddress: '127.0.0.1', remotePort: 4000, cut: true });
  const out = lines.map((l) => JSON.parse(l) as Line & { cut?: boolean });
  assert.equal(out.length, 2);
  assert.equal(out[0]?.cut, undefined);
  assert.doesNotMatch(out[0]?.msg ?? '', /cut/);
  assert.equal(out[1]?.cut, true);
  assert.match(out[1]?.msg ?? '', /^-> pos to 127\.0\.0\.1:4000 0210 \(cut: the connection closed before it was written\)/);
});

// The workbench's work is bounded by one wire image: a body over 256 KiB is refused 413 unread (one 1 MiB request of
// 1-byte binary2 frames held the gateway's event loop, and every POS terminal's echo, for 1.3-1.8 s), and a decode
// cuts its first frame only, counting what follows by bytes (it built every frame of the body, then cut the rest again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fastify from 'fastify';
import { FrameDecoder, createCodec, encodeFrame } from '@iso8583/codec';
import { announcedTooLarge, httpCall, within } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { mountConsole } from '../src/console/routes.js';
import { WORKBENCH_BODY_LIMIT, decodeRequest, workbenchDialects } from '../src/console/workbench.js';

const dialects = workbenchDialects({ upstream: 'iso87ascii' });
/** One binary2 frame of a 1-byte message: the cheapest frame a body can hold. */
const TINY = '000130';

/** A console on 127.0.0.1 port 0 (sending on, no target: a send that passes the limit is refused by its `upstream`). */
async function consolePort(t: { after(fn: () => unknown): void }): Promise<number> {
  const app = fastify();
  mountConsole(app, { ring: new TransactionRing(), source: { connectors: () => ({}) }, targets: () => ({}), send: true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  return (app.server.address() as { port: number }).port;
}

/** Counts the frames every FrameDecoder cuts (returned by push, or skipped as keep-alives) while `run` runs. */
function framesCut(run: () => void): number {
  const push = FrameDecoder.prototype.push;
  let cut = 0;
  FrameDecoder.prototype.push = function (this: FrameDecoder, chunk: Uint8Array) {
    const before = this.keepAlives;
    const frames = push.call(this, chunk);
    cut += frames.length + this.keepAlives - before;
    return frames;
  };
  try {
    run();
  } finally {
    FrameDecoder.prototype.push = push;
  }
  return cut;
}

test('workbench – a 1 MiB body of tiny frames is refused 413 naming body, on decode and send alike', async (t) => {
  const port = await consolePort(t);
  const MIB = 1024 * 1024;
  for (const path of ['/console/api/decode', '/console/api/send']) {
    const { status, body } = await within(announcedTooLarge(port, path, MIB - 200), 10_000, `the 413 of ${path} to a body announced over the limit`);
    assert.equal(status, 413, path);
    const error = (JSON.parse(body) as { error: { code: string; field: string; message: string } }).error;
    assert.equal(error.code, 'ISO8583_ERR_CONSOLE_INPUT', path);
    assert.equal(error.field, 'body', path);
    assert.match(error.message, new RegExp(`^body: the body is larger than its limit, ${WORKBENCH_BODY_LIMIT} bytes`), path);
  }
  // A body sent whole (no announced length to refuse it by) is refused too, not decoded.
  const frames = JSON.stringify({ hex: TINY.repeat(Math.floor((MIB - 200) / TINY.length)), frame: 'binary2' });
  const sent = await within(httpCall(port, 'POST', '/console/api/decode', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, frames), 10_000, 'the 413 to a whole body over the limit');
  assert.equal(sent.status, 413);
  assert.match(sent.body, /"field":"body"/);
});

test('workbench – the limit holds the largest binary2 frame as spaced hex: it decodes, or is refused by the codec, never by size', async (t) => {
  const port = await consolePort(t);
  // 65535 payload bytes as "HH " each, in a frame: about 192 KiB of JSON.
  const image = Buffer.alloc(2 + 65535, 0x30);
  image.writeUInt16BE(65535, 0);
  const spaced = image.toString('hex').replace(/(..)/g, '$1 ');
  const { status, body } = await httpCall(port, 'POST', '/console/api/decode', { 'content-type': 'application/json' }, JSON.stringify({ hex: spaced, frame: 'binary2' }));
  assert.equal(status, 400, body);
  assert.doesNotMatch(body, /"field":"body"/);
});

test('workbench – 128 KiB of 1-byte frames: the decode cuts a bounded number of frames and counts the rest by bytes', () => {
  const count = (128 * 1024) / 3;
  const codec = createCodec('iso87ascii');
  const echo = encodeFrame(codec.pack({ '0': '0800', '11': '000001', '70': '301' }), { lengthHeader: 'binary2' });
  const rest = Buffer.from(TINY.repeat(count), 'hex');
  let refusal: (Error & { code?: string; field?: string }) | undefined;
  const cut = framesCut(() => {
    try {
      decodeRequest({ hex: Buffer.concat([echo, rest]).toString('hex'), frame: 'binary2' }, dialects);
    } catch (err) {
      refusal = err as Error & { code?: string; field?: string };
    }
  });
  assert.ok(cut <= 2000, `${cut} frames cut for one decode (the body holds ${count + 1})`);
  assert.equal(refusal?.code, 'ISO8583_ERR_CONSOLE_INPUT');
  assert.equal(refusal?.field, 'hex');
  assert.equal(refusal?.message, `hex: ${rest.length} bytes after the first binary2 frame: decode one frame at a time`);
  // The same tiny frames alone: the first is decoded (and refused by the codec), the rest never cut.
  const alone = framesCut(() => assert.throws(() => decodeRequest({ hex: rest.toString('hex'), frame: 'binary2' }, dialects)));
  assert.ok(alone <= 2000, `${alone} frames cut for one decode of tiny frames alone`);
});

test('workbench – a bad length header after the first frame is told as such, among what the rest holds', () => {
  const codec = createCodec('iso87ascii');
  const echo = encodeFrame(codec.pack({ '0': '0800', '11': '000001', '70': '301' }), { lengthHeader: 'bcd2' });
  // A bcd2 header that is not a number (FF FF) after one more whole frame.
  const image = Buffer.concat([echo, echo, Buffer.from('FFFF30', 'hex')]);
  assert.throws(() => decodeRequest({ hex: image.toString('hex'), frame: 'bcd2' }, dialects), {
    code: 'ISO8583_ERR_CONSOLE_INPUT',
    message: `hex: ${echo.length + 3} bytes after the first bcd2 frame (1 more whole frame, bytes that are not a frame): decode one frame at a time`,
  });
});

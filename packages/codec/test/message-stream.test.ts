import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { MAX_READ_TIMEOUT, MessageStream, createCodec, encodeFrame, getDialect, replyHeader } from '../src/index.js';
import type { Frame, Iso8583Error, MessageStreamOptions } from '../src/index.js';

const codec = createCodec(getDialect('iso87ascii'));

/** A connected pair of real TCP sockets on 127.0.0.1: `client` dialled `server`. */
async function socketPair(): Promise<{ client: Socket; server: Socket; close(): Promise<void> }> {
  const listener: Server = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const address = listener.address() as { port: number };
  const accepted = once(listener, 'connection') as Promise<[Socket]>;
  const client = connect(address.port, '127.0.0.1');
  await once(client, 'connect');
  const [server] = await accepted;
  return {
    client,
    server,
    close: async () => {
      client.destroy();
      server.destroy();
      listener.close();
      await once(listener, 'close');
    },
  };
}

/** A message stream over `socket` whose frames and breakage are collected. */
function watch(socket: Socket, options: MessageStreamOptions) {
  const frames: Frame[] = [];
  let frameArrived: () => void = () => undefined;
  let reportBroken: (err: Iso8583Error) => void = () => undefined;
  const broken = new Promise<Iso8583Error>((resolve) => (reportBroken = resolve));
  const stream: MessageStream = new MessageStream(socket, options, {
    frame: (frame) => {
      frames.push({ header: Buffer.from(frame.header), payload: Buffer.from(frame.payload) });
      frameArrived();
    },
    broken: (err) => {
      reportBroken(err);
      stream.destroy();
    },
  });
  return {
    stream,
    frames,
    broken,
    /** Resolves once `n` frames have arrived. */
    framesArrived(n: number): Promise<void> {
      if (frames.length >= n) return Promise.resolve();
      return new Promise<void>((resolve) => {
        frameArrived = () => {
          if (frames.length >= n) resolve();
        };
      });
    },
  };
}

const echo = { '0': '0800', '7': '1130103000', '11': '000001', '70': '301' };

test('MessageStream – messages sent byte by byte arrive whole and in order', async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  const reader = watch(pair.server, { framing: { lengthHeader: 'binary2' }, codec });
  const frames = [1, 2, 3].map((n) => encodeFrame(codec.pack({ ...echo, '11': String(n).padStart(6, '0') }), { lengthHeader: 'binary2' }));
  const bytes = Buffer.concat(frames);
  for (let i = 0; i < bytes.length; i++) pair.client.write(bytes.subarray(i, i + 1));
  await reader.framesArrived(3);
  assert.deepEqual(
    reader.frames.map((f) => reader.stream.decode(f).message['11']),
    ['000001', '000002', '000003'],
  );
});

test('MessageStream – a length header announcing more than ever comes breaks the stream after the read timeout', async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  const reader = watch(pair.server, { framing: { lengthHeader: 'binary2' }, codec, readTimeout: 100 });
  // 60,000 bytes announced (under the maximum frame size), 10 sent, then silence.
  pair.client.write(Buffer.concat([Buffer.from([0xea, 0x60]), Buffer.alloc(10, 0x30)]));
  const err = await reader.broken;
  assert.equal(err.code, 'ISO8583_ERR_FRAME_READ_TIMEOUT');
  assert.equal(err.field, 'readTimeout');
  await once(pair.client, 'close');
});

test('MessageStream – a length over the maximum frame size breaks the stream at once', async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  const reader = watch(pair.server, { framing: { lengthHeader: 'binary2', maxFrameSize: 1000 }, codec });
  pair.client.write(Buffer.from([0x10, 0x00]));
  const err = await reader.broken;
  assert.equal(err.code, 'ISO8583_ERR_FRAME_LENGTH');
});

test('MessageStream – a frame completed in time disarms the read timeout; time paused by the owner does not count', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const pair = await socketPair();
  t.after(() => pair.close());
  const reader = watch(pair.server, { framing: { lengthHeader: 'binary2' }, codec, readTimeout: 50 });
  const frame = encodeFrame(codec.pack(echo), { lengthHeader: 'binary2' });
  pair.client.write(frame.subarray(0, 5));
  pair.client.write(frame.subarray(5));
  await reader.framesArrived(1);
  t.mock.timers.tick(1000);
  pair.client.write(frame.subarray(0, 5));
  await new Promise<void>((resolve) => pair.server.once('data', () => setImmediate(resolve)));
  assert.equal(reader.stream.bufferedBytes, 5);
  reader.stream.pause();
  t.mock.timers.tick(1000);
  reader.stream.resume();
  pair.client.write(frame.subarray(5));
  await reader.framesArrived(2);
  let broken = false;
  void reader.broken.then(() => (broken = true));
  await Promise.resolve();
  assert.equal(broken, false);
});

test('MessageStream – send packs and frames; the writes of one tick leave in one socket write', async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  const reader = watch(pair.server, { framing: { lengthHeader: 'ascii4' }, codec });
  const writer = new MessageStream(pair.client, { framing: { lengthHeader: 'ascii4' }, codec }, { frame: () => undefined });
  let writes = 0;
  const write = pair.client.write.bind(pair.client);
  pair.client.write = ((...args: Parameters<Socket['write']>) => {
    writes += 1;
    return write(...args);
  }) as Socket['write'];
  for (let i = 1; i <= 5; i++) writer.send({ ...echo, '11': String(i).padStart(6, '0') });
  await reader.framesArrived(5);
  assert.equal(writes, 1);
  assert.equal(reader.stream.decode(reader.frames[4]!).message['11'], '000005');
});

test('MessageStream – a closed stream refuses writes', async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  let closed: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => (closed = resolve));
  const stream = new MessageStream(pair.client, { codec }, { frame: () => undefined, closed: () => closed() });
  stream.destroy();
  await gone;
  assert.equal(stream.writable, false);
  assert.equal(stream.send(echo), false);
});

test('replyHeader – a 5-byte TPDU swaps destination and source; other headers are echoed; the policy can be forced', () => {
  const tpdu = Buffer.from('6000120034', 'hex');
  assert.equal(replyHeader(tpdu).toString('hex'), '6000340012');
  const network = Buffer.from('16010200fe000000', 'hex');
  assert.equal(replyHeader(network).toString('hex'), network.toString('hex'));
  assert.equal(replyHeader(tpdu, 'echo').toString('hex'), '6000120034');
  assert.equal(replyHeader(Buffer.from('600012003499', 'hex'), 'swap-tpdu').toString('hex'), '600034001299');
});

test('MessageStream – a frame handler that throws breaks its own stream (ISO8583_ERR_FRAME_HANDLER), not the process nor another stream', async (t) => {
  const bad = await socketPair();
  const good = await socketPair();
  t.after(() => Promise.all([bad.close(), good.close()]));
  let calls = 0;
  const failed = new Promise<Iso8583Error>((resolve) => {
    const stream: MessageStream = new MessageStream(bad.server, { codec }, {
      frame: (frame) => {
        calls += 1;
        stream.decode(frame); // the docs' handler without its try: a malformed message throws ISO8583_ERR_BITMAP
      },
      broken: (err) => {
        resolve(err);
        stream.destroy();
      },
    });
  });
  const reader = watch(good.server, { codec });
  // A garbage message (a track 2 where the bitmap belongs) and a good one, in one read.
  bad.client.write(Buffer.concat([encodeFrame(Buffer.from('0800ZZZZ;4761739001010010=2512')), encodeFrame(codec.pack(echo))]));
  const err = await failed;
  assert.equal(err.code, 'ISO8583_ERR_FRAME_HANDLER');
  assert.equal((err.cause as Iso8583Error).code, 'ISO8583_ERR_BITMAP');
  assert.doesNotMatch(err.message, /4761739001010010/);
  assert.equal(calls, 1, 'no frame after the one whose handler threw');
  await once(bad.client, 'close');
  good.client.write(encodeFrame(codec.pack(echo)));
  await reader.framesArrived(1);
});

test('MessageStream – a frame handler that throws with no broken handler destroys its stream', async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  new MessageStream(pair.server, {}, {
    frame: () => {
      throw new Error('a handler bug');
    },
  });
  pair.client.write(encodeFrame(Buffer.from('one')));
  await once(pair.client, 'close');
});

test('MessageStream – no frame reaches the handler after destroy, not even the rest of the same read', async (t) => {
  const pair = await socketPair();
  t.after(() => pair.close());
  const seen: string[] = [];
  const closed = new Promise<void>((resolve) => {
    const stream: MessageStream = new MessageStream(pair.server, {}, {
      frame: (frame) => {
        seen.push(frame.payload.toString());
        stream.destroy();
      },
      closed: () => resolve(),
    });
  });
  pair.client.write(Buffer.concat(['one', 'two', 'three'].map((text) => encodeFrame(Buffer.from(text)))));
  await closed;
  assert.deepEqual(seen, ['one']);
});

test('MessageStream – readTimeout and replyHeader are checked when the stream is made (ISO8583_ERR_OPTION naming the option)', () => {
  const make = (options: MessageStreamOptions) => new MessageStream(new PassThrough(), options, { frame: () => undefined });
  for (const readTimeout of [MAX_READ_TIMEOUT + 1, Infinity, -1, NaN, 1.5, '30000x', '100']) {
    assert.throws(
      () => make({ readTimeout: readTimeout as number }),
      (err: Iso8583Error) => err.code === 'ISO8583_ERR_OPTION' && err.field === 'readTimeout',
      String(readTimeout),
    );
  }
  for (const policy of ['swap', '', null, 5]) {
    assert.throws(
      () => make({ replyHeader: policy as never }),
      (err: Iso8583Error) => err.code === 'ISO8583_ERR_OPTION' && err.field === 'replyHeader',
      String(policy),
    );
  }
  assert.throws(() => make(null as never), (err: Iso8583Error) => err.code === 'ISO8583_ERR_OPTION');
  make({ readTimeout: 0, replyHeader: 'echo' });
  make({ readTimeout: MAX_READ_TIMEOUT, replyHeader: 'swap-tpdu' });
});

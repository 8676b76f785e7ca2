import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, Iso8583Error, encodeFrame, encodeKeepAlive, swapTpdu } from '../src/index.js';
import type { FramingOptions, LengthHeader } from '../src/index.js';

const MESSAGE = Buffer.from('0800822000000000000004000000000000001121103001000001301', 'ascii');

/** Each length header: the header bytes that announce `MESSAGE` (with and without counting themselves). */
const HEADERS: { kind: LengthHeader; excluding: string; including: string }[] = [
  { kind: 'binary2', excluding: '0037', including: '0039' },
  { kind: 'binary4', excluding: '00000037', including: '0000003B' },
  { kind: 'bcd2', excluding: '0055', including: '0057' },
  { kind: 'ascii4', excluding: '30303535', including: '30303539' },
];

function assertCode(fn: () => unknown, code: string): Iso8583Error {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof Iso8583Error, `expected an Iso8583Error ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  return caught;
}

for (const { kind, excluding, including } of HEADERS) {
  for (const lengthIncludesHeader of [false, true]) {
    const headerHex = lengthIncludesHeader ? including : excluding;
    const options: FramingOptions = { lengthHeader: kind, lengthIncludesHeader };

    test(`${kind}${lengthIncludesHeader ? ' (counting itself)' : ''}: encodeFrame writes the length header`, () => {
      const frame = encodeFrame(MESSAGE, options);
      assert.equal(frame.subarray(0, headerHex.length / 2).toString('hex').toUpperCase(), headerHex);
      assert.deepEqual(frame.subarray(headerHex.length / 2), MESSAGE);
    });

    test(`${kind}${lengthIncludesHeader ? ' (counting itself)' : ''}: FrameDecoder reads the frame back`, () => {
      const decoder = new FrameDecoder(options);
      const frames = decoder.push(Buffer.concat([Buffer.from(headerHex, 'hex'), MESSAGE]));
      assert.equal(frames.length, 1);
      assert.deepEqual(frames[0]!.payload, MESSAGE);
      assert.equal(frames[0]!.header.length, 0);
      assert.equal(decoder.bufferedBytes, 0);
      assert.equal(decoder.frames, 1);
    });

    test(`${kind}${lengthIncludesHeader ? ' (counting itself)' : ''}: keep-alive frames are skipped and counted`, () => {
      const decoder = new FrameDecoder(options);
      const keepAlive = encodeKeepAlive(options);
      const frame = encodeFrame(MESSAGE, options);
      const frames = decoder.push(Buffer.concat([keepAlive, frame, keepAlive, keepAlive, frame, keepAlive]));
      assert.equal(frames.length, 2);
      assert.equal(decoder.keepAlives, 4);
      for (const f of frames) assert.deepEqual(f.payload, MESSAGE);
    });
  }
}

test('a length over maxFrameSize throws ISO8583_ERR_FRAME_LENGTH on the length header alone', () => {
  for (const { kind } of HEADERS) {
    const decoder = new FrameDecoder({ lengthHeader: kind, maxFrameSize: 100 });
    const header = encodeFrame(Buffer.alloc(101, 0x30), { lengthHeader: kind }).subarray(0, kind.endsWith('4') ? 4 : 2);
    const err = assertCode(() => decoder.push(header), 'ISO8583_ERR_FRAME_LENGTH');
    assert.equal(err.offset, 0);
    assert.equal(decoder.bufferedBytes, 0, `${kind}: nothing is buffered after the error`);
  }
});

test('the error offset is the stream position of the bad frame', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'binary2', maxFrameSize: 100 });
  const good = encodeFrame(MESSAGE);
  assert.equal(decoder.push(good).length, 1);
  const err = assertCode(() => decoder.push(Buffer.from([0x10, 0x00, 0x30])), 'ISO8583_ERR_FRAME_LENGTH');
  assert.equal(err.offset, good.length);
});

test('the whole frames a chunk brought before a bad length header are kept for the reader (framesBeforeFailure)', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'binary2', maxFrameSize: 100 });
  assert.equal(decoder.framesBeforeFailure.length, 0, 'nothing before a failure');
  const good = encodeFrame(MESSAGE);
  const err = assertCode(() => decoder.push(Buffer.concat([good, encodeKeepAlive(), good, Buffer.from([0x10, 0x00, 0x30])])), 'ISO8583_ERR_FRAME_LENGTH');
  assert.equal(err.offset, 2 * good.length + 2);
  assert.deepEqual(decoder.framesBeforeFailure.map((f) => Buffer.from(f.payload).toString('ascii')), [MESSAGE.toString('ascii'), MESSAGE.toString('ascii')]);
  assert.deepEqual(decoder.framesBeforeFailure.map((f) => f.offset), [0, good.length + 2]);
  assert.equal(decoder.frames, 2);
  const first = new FrameDecoder({ lengthHeader: 'binary2', maxFrameSize: 100 });
  assertCode(() => first.push(Buffer.from([0x10, 0x00, 0x30])), 'ISO8583_ERR_FRAME_LENGTH');
  assert.equal(first.framesBeforeFailure.length, 0, 'the bad header came first');
});

test('garbage in an ascii4 or bcd2 length header is a coded error', () => {
  const cases: [LengthHeader, string][] = [
    ['ascii4', '30 30 3A 30'],
    ['ascii4', '20 31 32 33'],
    ['ascii4', '2D 30 31 32'],
    ['bcd2', '00 A0'],
    ['bcd2', 'F0 12'],
  ];
  for (const [kind, hex] of cases) {
    const decoder = new FrameDecoder({ lengthHeader: kind });
    assertCode(() => decoder.push(Buffer.from(hex.replaceAll(' ', ''), 'hex')), 'ISO8583_ERR_FRAME_LENGTH');
  }
});

test('a length shorter than the fixed header bytes is a coded error', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'binary2', headerBytes: 5 });
  assertCode(() => decoder.push(Buffer.from([0x00, 0x05, 1, 2, 3, 4, 5])), 'ISO8583_ERR_FRAME_LENGTH');
  const counting = new FrameDecoder({ lengthHeader: 'binary2', lengthIncludesHeader: true });
  assertCode(() => counting.push(Buffer.from([0x00, 0x01, 0x30])), 'ISO8583_ERR_FRAME_LENGTH');
});

test('after an error the decoder is unusable: every later push throws the same error', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'ascii4' });
  const first = assertCode(() => decoder.push(Buffer.from('00X0', 'ascii')), 'ISO8583_ERR_FRAME_LENGTH');
  assert.equal(decoder.failure, first);
  assert.throws(() => decoder.push(encodeFrame(MESSAGE, { lengthHeader: 'ascii4' })), (err) => err === first);
});

test('a TPDU is cut into Frame.header and swapTpdu swaps destination and source', () => {
  const tpdu = Buffer.from('6000120034', 'hex');
  const options: FramingOptions = { lengthHeader: 'binary2', headerBytes: 5 };
  const framed = encodeFrame(MESSAGE, options, tpdu);
  assert.equal(framed.readUInt16BE(0), MESSAGE.length + 5);
  const [frame] = new FrameDecoder(options).push(framed);
  assert.deepEqual(frame!.header, tpdu);
  assert.deepEqual(frame!.payload, MESSAGE);
  assert.equal(swapTpdu(frame!.header).toString('hex'), '6000340012');
  assert.equal(swapTpdu(swapTpdu(tpdu)).toString('hex'), tpdu.toString('hex'));
});

test('encodeFrame refuses a fixed header of the wrong size, naming it', () => {
  const err = assertCode(() => encodeFrame(MESSAGE, { headerBytes: 5 }, Buffer.alloc(4)), 'ISO8583_ERR_OPTION');
  assert.equal(err.field, 'header');
  assertCode(() => encodeFrame(MESSAGE, { headerBytes: 5 }), 'ISO8583_ERR_OPTION');
  assertCode(() => encodeFrame(MESSAGE, {}, Buffer.alloc(5)), 'ISO8583_ERR_OPTION');
});

test('encodeFrame refuses a message over the maximum or over what the length header carries', () => {
  assertCode(() => encodeFrame(Buffer.alloc(101), { maxFrameSize: 100 }), 'ISO8583_ERR_FRAME_TOO_LARGE');
  assert.equal(encodeFrame(Buffer.alloc(100), { maxFrameSize: 100 }).length, 102);
  assertCode(() => encodeFrame(Buffer.alloc(10000), { lengthHeader: 'ascii4' }), 'ISO8583_ERR_FRAME_TOO_LARGE');
  assertCode(() => encodeFrame(Buffer.alloc(10000), { lengthHeader: 'bcd2' }), 'ISO8583_ERR_FRAME_TOO_LARGE');
  assert.equal(encodeFrame(Buffer.alloc(9999), { lengthHeader: 'ascii4' }).subarray(0, 4).toString(), '9999');
  assertCode(
    () => encodeFrame(Buffer.alloc(9998), { lengthHeader: 'ascii4', lengthIncludesHeader: true }),
    'ISO8583_ERR_FRAME_TOO_LARGE',
  );
  assertCode(() => encodeFrame(Buffer.alloc(65536), { lengthHeader: 'binary2', maxFrameSize: 1e6 }), 'ISO8583_ERR_FRAME_TOO_LARGE');
  assert.equal(encodeFrame(Buffer.alloc(65536), { lengthHeader: 'binary4', maxFrameSize: 1e6 }).readUInt32BE(0), 65536);
});

test('invalid framing options are refused by name', () => {
  const cases: [FramingOptions, string][] = [
    [{ lengthHeader: 'ascii2' as LengthHeader }, 'lengthHeader'],
    [{ headerBytes: -1 }, 'headerBytes'],
    [{ headerBytes: 1.5 }, 'headerBytes'],
    [{ maxFrameSize: 0 }, 'maxFrameSize'],
    [{ maxFrameSize: 5, headerBytes: 5 }, 'maxFrameSize'],
    [{ lengthIncludesHeader: 'yes' as unknown as boolean }, 'lengthIncludesHeader'],
    [{ lengthHeader: 'none' }, 'measure'],
  ];
  for (const [options, field] of cases) {
    const err = assertCode(() => new FrameDecoder(options), 'ISO8583_ERR_OPTION');
    assert.equal(err.field, field);
  }
  assertCode(() => encodeKeepAlive({ lengthHeader: 'none' }), 'ISO8583_ERR_OPTION');
});

test('with no length header the stream is cut by measure, not by reads', () => {
  // A toy measure: the first byte is the message length (the real one is Codec.measure).
  const measure = (bytes: Buffer): number | undefined => (bytes.length === 0 ? undefined : bytes[0]!);
  const messages = [Buffer.from([3, 0xaa, 0xbb]), Buffer.from([1]), Buffer.from([5, 1, 2, 3, 4])];
  const stream = Buffer.concat(messages);
  for (let cut = 0; cut <= stream.length; cut++) {
    const decoder = new FrameDecoder({ lengthHeader: 'none', measure });
    const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
    assert.deepEqual(
      frames.map((f) => f.payload.toString('hex')),
      messages.map((m) => m.toString('hex')),
      `cut at ${cut}`,
    );
  }
});

test('with no length header a measure that never completes stops at the maximum frame size', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'none', maxFrameSize: 64, measure: () => undefined });
  assert.deepEqual(decoder.push(Buffer.alloc(63)), []);
  assertCode(() => decoder.push(Buffer.alloc(1)), 'ISO8583_ERR_FRAME_LENGTH');
});

test('with no length header a measure that throws a plain error becomes a coded error', () => {
  const decoder = new FrameDecoder({
    lengthHeader: 'none',
    measure: () => {
      throw new RangeError('boom');
    },
  });
  const err = assertCode(() => decoder.push(Buffer.from([1, 2])), 'ISO8583_ERR_FRAME_LENGTH');
  assert.ok(err.cause instanceof RangeError);
  const zero = new FrameDecoder({ lengthHeader: 'none', measure: () => 0 });
  assertCode(() => zero.push(Buffer.from([1])), 'ISO8583_ERR_FRAME_LENGTH');
});

test('a frame split into many reads is buffered without losing or repeating bytes', () => {
  const big = Buffer.alloc(5000);
  for (let i = 0; i < big.length; i++) big[i] = i % 251;
  const framed = encodeFrame(big, { lengthHeader: 'binary4' });
  const decoder = new FrameDecoder({ lengthHeader: 'binary4' });
  const frames = [];
  for (let i = 0; i < framed.length; i += 7) frames.push(...decoder.push(framed.subarray(i, i + 7)));
  assert.equal(frames.length, 1);
  assert.deepEqual(frames[0]!.payload, big);
  assert.equal(decoder.bufferedBytes, 0);
});

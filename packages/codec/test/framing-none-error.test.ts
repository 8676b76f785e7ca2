// With `lengthHeader: "none"`, bytes that cannot start a message are a framing failure as a bad length header is:
// ISO8583_ERR_FRAME_LENGTH with `offset` the stream position of the frame, the codec's error its `cause`. It used to be
// the codec's own error (ISO8583_ERR_BITMAP, ISO8583_ERR_MTI) with an offset within the message, which is neither the
// code the framing documents nor a position in the stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { FrameDecoder, Iso8583Error, MessageStream, createCodec } from '../src/index.js';

const codec = createCodec('iso87ascii');
const GOOD = codec.pack({ 0: '0200', 3: '000000', 11: '000001', 41: 'TERM0001' });
const framing = { lengthHeader: 'none', measure: (b: Buffer) => codec.measure(b) } as const;

test('lengthHeader none – bytes that cannot start a message: FRAME_LENGTH at the stream offset, the codec error its cause', () => {
  for (const [what, bad, cause] of [['bitmap not hex', '0200ZZZZZZZZZZZZZZZZ', 'ISO8583_ERR_BITMAP'], ['MTI not digits', 'ABCD0000000000000000', 'ISO8583_ERR_MTI']] as const) {
    const decoder = new FrameDecoder(framing);
    assert.throws(() => decoder.push(Buffer.concat([GOOD, Buffer.from(bad)])), (err: Iso8583Error) => {
      assert.equal(err.code, 'ISO8583_ERR_FRAME_LENGTH', what);
      assert.equal(err.offset, GOOD.length, what);
      assert.ok(err.cause instanceof Iso8583Error, what);
      assert.equal(err.cause.code, cause, what);
      assert.ok(err.message.includes(cause), `${what}: ${err.message}`);
      assert.ok(!err.message.includes('ZZ') && !err.message.includes('ABCD'), `${what}: no input in the text: ${err.message}`);
      return true;
    });
    assert.equal(decoder.framesBeforeFailure.length, 1, what);
    assert.equal(decoder.failure?.code, 'ISO8583_ERR_FRAME_LENGTH', what);
  }
});

test('lengthHeader none – a MessageStream reports it to broken as FRAME_LENGTH', () => {
  const socket = new Duplex({ read() {}, write(_c, _e, cb) { cb(); } });
  const codes: string[] = [];
  const stream = new MessageStream(socket, { framing, codec }, { frame: () => undefined, broken: (err) => void codes.push(err.code) });
  socket.emit('data', Buffer.concat([GOOD, Buffer.from('0200ZZZZZZZZZZZZZZZZ')]));
  assert.deepEqual(codes, ['ISO8583_ERR_FRAME_LENGTH']);
  stream.destroy();
});

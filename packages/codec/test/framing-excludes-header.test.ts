// `lengthExcludesHeaderBytes`: the length counts the message only, not the fixed header bytes after it (SocketQueue's
// headerFormat `length:n:4,tpdu:b-hex:5:...`), written and read alike; by default it counts both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, encodeFrame } from '../src/index.js';

const TPDU = Buffer.from('6000010000', 'hex');
const MESSAGE = Buffer.from('0800 sixty bytes or so of a message', 'latin1');

test('lengthExcludesHeaderBytes: the ascii4 length is the message\'s, and the frame reads back', () => {
  const options = { lengthHeader: 'ascii4' as const, headerBytes: 5, lengthExcludesHeaderBytes: true };
  const frame = encodeFrame(MESSAGE, options, TPDU);
  assert.equal(frame.subarray(0, 4).toString('latin1'), String(MESSAGE.length).padStart(4, '0'));
  assert.deepEqual(frame.subarray(4, 9), TPDU);
  const [cut, ...rest] = new FrameDecoder(options).push(frame);
  assert.equal(rest.length, 0);
  assert.deepEqual([cut!.header, cut!.payload], [TPDU, MESSAGE]);
  // With lengthIncludesHeader: its own 4 bytes and the message.
  const counted = encodeFrame(MESSAGE, { ...options, lengthIncludesHeader: true }, TPDU);
  assert.equal(Number(counted.subarray(0, 4).toString('latin1')), MESSAGE.length + 4);
  assert.deepEqual(new FrameDecoder({ ...options, lengthIncludesHeader: true }).push(counted)[0]!.payload, MESSAGE);
});

test('by default the length counts the fixed header bytes and the message', () => {
  const frame = encodeFrame(MESSAGE, { lengthHeader: 'ascii4', headerBytes: 5 }, TPDU);
  assert.equal(Number(frame.subarray(0, 4).toString('latin1')), MESSAGE.length + 5);
  assert.throws(() => new FrameDecoder({ lengthExcludesHeaderBytes: 'yes' as unknown as boolean }), { code: 'ISO8583_ERR_OPTION', field: 'lengthExcludesHeaderBytes' });
});

test('lengthExcludesHeaderBytes: a zero length is a keep-alive, not a frame of the fixed header alone', () => {
  const decoder = new FrameDecoder({ lengthHeader: 'ascii4', headerBytes: 5, lengthExcludesHeaderBytes: true });
  assert.deepEqual(decoder.push(Buffer.from('0000', 'latin1')), []);
  assert.equal(decoder.keepAlives, 1);
});

test('lengthExcludesHeaderBytes with lengthIncludesHeader: a declared length of 1 to 3 (less than itself) is refused', () => {
  const options = { lengthHeader: 'ascii4' as const, headerBytes: 5, lengthExcludesHeaderBytes: true, lengthIncludesHeader: true };
  for (const declared of ['0001', '0002', '0003']) {
    assert.throws(() => new FrameDecoder(options).push(Buffer.concat([Buffer.from(declared, 'latin1'), TPDU, MESSAGE])), {
      code: 'ISO8583_ERR_FRAME_LENGTH', message: /leaves no message/,
    }, declared);
  }
  // 4: itself alone, a keep-alive.
  const decoder = new FrameDecoder(options);
  assert.deepEqual(decoder.push(Buffer.from('0004', 'latin1')), []);
  assert.equal(decoder.keepAlives, 1);
});

test('lengthExcludesHeaderBytes: the maximum frame size counts the fixed header bytes the length leaves out', () => {
  const options = { lengthHeader: 'ascii4' as const, headerBytes: 5, lengthExcludesHeaderBytes: true, maxFrameSize: 100 };
  // 96 message bytes and 5 header bytes: 101, one over, refused as soon as the length is read (no bytes after it).
  assert.throws(() => new FrameDecoder(options).push(Buffer.from('0096', 'latin1')), {
    code: 'ISO8583_ERR_FRAME_LENGTH', message: /a frame length of 101 bytes is over the maximum of 100/,
  });
  // 95 and 5: 100, read whole.
  const message = Buffer.alloc(95, 0x41);
  const [frame, ...rest] = new FrameDecoder(options).push(Buffer.concat([Buffer.from('0095', 'latin1'), TPDU, message]));
  assert.equal(rest.length, 0);
  assert.deepEqual([frame!.header, frame!.payload], [TPDU, message]);
  assert.throws(() => encodeFrame(Buffer.alloc(96, 0x41), options, TPDU), { code: 'ISO8583_ERR_FRAME_TOO_LARGE', message: /a frame of 101 bytes/ });
});

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

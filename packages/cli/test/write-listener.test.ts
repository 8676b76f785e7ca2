// writeText's `error` listener is the write's own: once the write is done it is gone, so that a later failed write
// that does not go through writeText is not silenced for the rest of the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { writeText } from '../src/io.js';

test('writeText leaves no error listener on the stream once its write is done', async () => {
  const stream = new PassThrough();
  stream.resume();
  const before = stream.listenerCount('error');
  await writeText(stream, 'one\n');
  await writeText(stream, 'two\n');
  assert.equal(stream.listenerCount('error'), before);
});

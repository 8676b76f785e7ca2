/**
 * Iso8583Error.code is the union of the code tables, and the HTTP status of each codec code is data in the codec's
 * tables. The type checks are made by the build: a `@ts-expect-error` that is no longer an error fails it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CODEC_ERROR_CODES, CODEC_ERROR_HTTP_STATUS, Iso8583Error, codecError } from '../src/index.js';
import type { CodecErrorCode, Iso8583ErrorCode } from '../src/index.js';

test('error codes – every codec code has an HTTP status: the caller\'s input (400), an internal failure 500', () => {
  assert.deepEqual(Object.keys(CODEC_ERROR_HTTP_STATUS).sort(), Object.keys(CODEC_ERROR_CODES).sort());
  for (const [code, status] of Object.entries(CODEC_ERROR_HTTP_STATUS)) {
    assert.equal(status, code === 'ISO8583_ERR_INTERNAL' ? 500 : 400, code);
  }
  assert.ok(Object.isFrozen(CODEC_ERROR_HTTP_STATUS));
});

test('error codes – code is typed as the union of the code tables', () => {
  const err = codecError('ISO8583_ERR_FIELD_TOO_LONG', 'too long', { field: '2' });
  const code: Iso8583ErrorCode = err.code;
  const codecCode: CodecErrorCode = 'ISO8583_ERR_FIELD_TOO_LONG';
  assert.equal(code, codecCode);
  // @ts-expect-error a code that no table lists does not compile
  const made = new Iso8583Error('ISO8583_ERR_NO_SUCH_CODE', 'x');
  assert.equal(made.code, 'ISO8583_ERR_NO_SUCH_CODE');
  // @ts-expect-error nor does a comparison with one
  assert.equal(err.code === 'ISO8583_ERR_NO_SUCH_CODE', false);
});

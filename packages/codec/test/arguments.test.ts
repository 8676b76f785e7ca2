/** A wrong argument to a public function (`null`, a string for bytes) is refused with a coded error naming it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, describe, encodeFrame, maskMessage, maskPan, maskTrack, parseTlv, swapTpdu, toJson, toXml } from '../src/index.js';
import type { Iso8583Error } from '../src/index.js';

const message = { '0': '0200' };
const cases: Array<[string, () => unknown, string]> = [
  ['toXml(message, null)', () => toXml(message, null as never), 'options'],
  ['toXml(message, { header: "zz" })', () => toXml(message, { header: 'zz' as never }), 'header'],
  ['toJson(message, null)', () => toJson(message, null as never), 'options'],
  ['describe(null)', () => describe(null as never), 'message'],
  ['maskMessage(null)', () => maskMessage(null as never), 'message'],
  ['maskPan(null)', () => maskPan(null as never), 'pan'],
  ['maskTrack(undefined)', () => maskTrack(undefined as never), 'track'],
  ['FrameDecoder.push(null)', () => new FrameDecoder().push(null as never), 'chunk'],
  ['FrameDecoder.push("0003abc")', () => new FrameDecoder().push('0003abc' as never), 'chunk'],
  ['parseTlv(null)', () => parseTlv(null as never), 'data'],
  ['parseTlv(5)', () => parseTlv(5 as never), 'data'],
  ['encodeFrame("abc")', () => encodeFrame('abc' as never), 'payload'],
  ['swapTpdu(null)', () => swapTpdu(null as never), 'header'],
];

for (const [name, call, field] of cases) {
  test(`${name} – ISO8583_ERR_OPTION naming ${field}`, () => {
    assert.throws(call, (err: Iso8583Error) => err.code === 'ISO8583_ERR_OPTION' && err.field === field);
  });
}

// The XML `toXml` writes of any message a frame carries reads back: a valid 24 KB iso87ascii message with `&` in many
// fields makes 23,976 references, and `fromXml` refused it (over the 16,384 it allowed), so a sequence's edited reply
// of it got a 96. The bound is one reference per byte of a 64 KiB message (what a 2-byte length header frames).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_XML_REFERENCES, createCodec, fromXml, toXml } from '../src/index.js';

test('toXml of a message of 24 KB, every character of 24 fields escaped, reads back with fromXml', () => {
  const codec = createCodec('iso87ascii');
  const message: Record<string, string> = { 0: '0200', 3: '000000', 11: '000001' };
  for (const id of [48, 56, 57, 58, 59, 60, 61, 62, 63, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119]) message[id] = '&'.repeat(999);
  const wire = codec.pack(message);
  const xml = toXml(codec.decode(wire).message);
  assert.equal(xml.split('&').length - 1, 23_976);
  assert.deepEqual(fromXml(xml).message, codec.decode(wire).message);
});

test('MAX_XML_REFERENCES is one reference per byte of a 64 KiB message', () => {
  assert.equal(MAX_XML_REFERENCES, 65_536);
});

/**
 * Conformance with moov-io/iso8583: its legacy ASCII test images decode under the built-in iso87ascii dialect and
 * pack again byte for byte; the 0400 reversal decodes to moov's expected fields.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVectorHex } from '@iso8583/test-support';
import { createCodec } from '../src/index.js';
import { vectorText } from './conformance-support.js';

const IMAGES = [
  { file: 'financial_transaction_message.hex', mti: '0200' },
  { file: 'iso_reversal_message.hex', mti: '0400' },
  { file: 'network_management_message.hex', mti: '0800' },
  { file: 'network_management_message_response.hex', mti: '0810' },
];

for (const v of IMAGES) {
  test(`moov conformance – ${v.file} decodes under iso87ascii and packs again byte for byte`, () => {
    const codec = createCodec('iso87ascii');
    const image = readVectorHex(`moov/${v.file}`);
    const decoded = codec.unpack(image);
    assert.equal(decoded['0'], v.mti);
    // Every value decoded is a string exactly as on the wire: the image is the concatenation of the parts.
    assert.deepEqual(codec.pack(decoded), image);
  });
}

test('moov conformance – the 0400 reversal decodes to moov\'s expected fields', () => {
  const expected = JSON.parse(vectorText('moov/iso_reversal_message.expected.json')) as {
    mti: string;
    bitmap: string;
    elements: Record<string, string>;
  };
  const decoded = createCodec('iso87ascii').unpack(readVectorHex('moov/iso_reversal_message.hex'));
  const want: Record<string, string> = { '0': expected.mti };
  // moov shows the secondary bitmap as element 1; this codec computes bitmaps and never shows them.
  for (const [k, v] of Object.entries(expected.elements)) if (k !== '1') want[k] = v;
  assert.deepEqual(decoded, want);
  // The fields present are exactly the bits moov lists as set in the primary bitmap (bit 1: secondary follows).
  const present = [...expected.bitmap].flatMap((bit, i) => (bit === '1' && i > 0 ? [String(i + 1)] : []));
  const secondary = [...(expected.elements['1'] ?? '')].flatMap((bit, i) => (bit === '1' ? [String(i + 65)] : []));
  assert.deepEqual(Object.keys(decoded).filter((k) => k !== '0').sort(), [...present, ...secondary].sort());
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readVector, readVectorHex, vectorPath } from '@iso8583/test-support';
import { FrameDecoder, createCodec, encodeFrame, encodeKeepAlive } from '../src/index.js';
import type { Frame, FramingOptions, LengthHeader } from '../src/index.js';

/** Wire images of other implementations (messages without a length header). */
const MESSAGES: [string, Buffer][] = [
  ['socketqueue/sv_200_purchase.bin', readVector('socketqueue/sv_200_purchase.bin')],
  ['socketqueue/sv_800_echo.bin', readVector('socketqueue/sv_800_echo.bin')],
  ...[
    'jpos/ISO87APackager.hex',
    'jpos/ISO87A-Field64.hex',
    'jpos/ISO87BPackager.hex',
    'jpos/ISO87B-Field64.hex',
    'jpos/ISO93ebcdic-Custom-Img.hex',
    'jpos/post.hex',
    'moov/financial_transaction_message.hex',
    'moov/iso_reversal_message.hex',
    'moov/network_management_message.hex',
    'moov/network_management_message_response.hex',
  ].map((name): [string, Buffer] => [name, readVectorHex(name)]),
];

const KINDS: LengthHeader[] = ['binary2', 'binary4', 'bcd2', 'ascii4'];

/** Every framing under test: each length header, counting itself or not, with and without a 5-byte TPDU. */
const FRAMINGS: FramingOptions[] = KINDS.flatMap((lengthHeader) =>
  [false, true].flatMap((lengthIncludesHeader) =>
    [0, 5].map((headerBytes) => ({ lengthHeader, lengthIncludesHeader, headerBytes })),
  ),
);

const TPDU = Buffer.from('6000010002', 'hex');

function label(o: FramingOptions): string {
  return `${o.lengthHeader}${o.lengthIncludesHeader ? '+self' : ''}${o.headerBytes ? ' TPDU' : ''}`;
}

function payloads(frames: Frame[]): string[] {
  return frames.map((f) => f.payload.toString('hex'));
}

test('the framed socketqueue vectors (ascii4 length header) decode to the unframed messages', () => {
  for (const name of ['sv_200_purchase', 'sv_800_echo']) {
    const framed = readVector(`socketqueue/${name}_header.bin`);
    const message = readVector(`socketqueue/${name}.bin`);
    assert.deepEqual(encodeFrame(message, { lengthHeader: 'ascii4' }), framed, `${name}: encodeFrame`);
    for (let cut = 0; cut <= framed.length; cut++) {
      const decoder = new FrameDecoder({ lengthHeader: 'ascii4' });
      const frames = [...decoder.push(framed.subarray(0, cut)), ...decoder.push(framed.subarray(cut))];
      assert.deepEqual(payloads(frames), [message.toString('hex')], `${name} cut at ${cut}`);
    }
  }
});

test('the WSO2 ATM message with its ascii4 length header decodes', () => {
  const vectors = JSON.parse(readFileSync(vectorPath('wso2/messages.json'), 'utf8')) as {
    atm_0200_with_ascii4_length: { ascii: string };
  };
  const framed = Buffer.from(vectors.atm_0200_with_ascii4_length.ascii, 'latin1');
  const frames = new FrameDecoder({ lengthHeader: 'ascii4' }).push(framed);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.payload.length, 308);
  assert.equal(frames[0]!.payload.subarray(0, 4).toString('latin1'), '0200');
});

for (const options of FRAMINGS) {
  const header = options.headerBytes ? TPDU : undefined;

  test(`${label(options)}: every vector cut at every offset gives the same frame`, () => {
    for (const [name, message] of MESSAGES) {
      const framed = encodeFrame(message, options, header);
      for (let cut = 0; cut <= framed.length; cut++) {
        const decoder = new FrameDecoder(options);
        const frames = [...decoder.push(framed.subarray(0, cut)), ...decoder.push(framed.subarray(cut))];
        assert.equal(frames.length, 1, `${name} cut at ${cut}`);
        assert.deepEqual(frames[0]!.payload, message, `${name} cut at ${cut}`);
        assert.deepEqual(frames[0]!.header, header ?? Buffer.alloc(0));
        assert.equal(decoder.bufferedBytes, 0);
      }
    }
  });

  test(`${label(options)}: all vectors with keep-alives between, coalesced, then one byte at a time`, () => {
    const keepAlive = encodeKeepAlive(options);
    const stream = Buffer.concat(
      MESSAGES.flatMap(([, message]) => [keepAlive, encodeFrame(message, options, header)]).concat(keepAlive),
    );
    const expected = MESSAGES.map(([, message]) => message.toString('hex'));

    const coalesced = new FrameDecoder(options);
    assert.deepEqual(payloads(coalesced.push(stream)), expected);
    assert.equal(coalesced.keepAlives, MESSAGES.length + 1);

    const trickle = new FrameDecoder(options);
    const frames: Frame[] = [];
    for (let i = 0; i < stream.length; i++) frames.push(...trickle.push(stream.subarray(i, i + 1)));
    assert.deepEqual(payloads(frames), expected);
    assert.equal(trickle.keepAlives, MESSAGES.length + 1);
  });

  test(`${label(options)}: frames cut at every offset of a two-frame stream`, () => {
    const [first, second] = [MESSAGES[0]![1], MESSAGES[2]![1]];
    const stream = Buffer.concat([encodeFrame(first, options, header), encodeFrame(second, options, header)]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder(options);
      const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      assert.deepEqual(payloads(frames), [first.toString('hex'), second.toString('hex')], `cut at ${cut}`);
    }
  });
}

/** Vectors whose dialect is built in, for streams with no length header (cut by Codec.measure). */
const MEASURED: [string, string][] = [
  ['iso87ascii', 'jpos/ISO87APackager.hex'],
  ['iso87ascii', 'jpos/ISO87A-Field64.hex'],
  ['iso87ascii', 'moov/financial_transaction_message.hex'],
  ['iso87ascii', 'moov/network_management_message.hex'],
  ['iso87binary', 'jpos/ISO87BPackager.hex'],
  ['iso87binary', 'jpos/ISO87B-Field64.hex'],
];

for (const dialect of ['iso87ascii', 'iso87binary']) {
  for (const headerBytes of [0, 5]) {
    test(`no length header, ${dialect}${headerBytes ? ' TPDU' : ''}: Codec.measure cuts the stream at every offset`, () => {
      const codec = createCodec(dialect);
      const options: FramingOptions = { lengthHeader: 'none', headerBytes, measure: (bytes) => codec.measure(bytes) };
      const messages = MEASURED.filter(([d]) => d === dialect).map(([, name]) => readVectorHex(name));
      const header = headerBytes ? TPDU : undefined;
      const stream = Buffer.concat(messages.map((m) => encodeFrame(m, options, header)));
      const expected = messages.map((m) => m.toString('hex'));
      assert.deepEqual(payloads(new FrameDecoder(options).push(stream)), expected, 'coalesced');
      for (let cut = 0; cut <= stream.length; cut++) {
        const decoder = new FrameDecoder(options);
        const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
        assert.deepEqual(payloads(frames), expected, `cut at ${cut}`);
        if (header) for (const f of frames) assert.deepEqual(f.header, header);
      }
    });
  }
}

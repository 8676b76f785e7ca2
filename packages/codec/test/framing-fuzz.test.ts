import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns, readVector, readVectorHex } from '@iso8583/test-support';
import { FrameDecoder, Iso8583Error, createCodec, encodeFrame } from '../src/index.js';
import type { FramingOptions } from '../src/index.js';

const FRAMING = fc.record({
  lengthHeader: fc.constantFrom('binary2' as const, 'binary4' as const, 'bcd2' as const, 'ascii4' as const),
  lengthIncludesHeader: fc.boolean(),
  headerBytes: fc.constantFrom(0, 5),
  maxFrameSize: fc.constantFrom(300, 4096, 65535),
});

/** Pushes the chunks; the only failure allowed is an Iso8583Error, and after it every push throws it again. */
function feed(options: FramingOptions, chunks: Uint8Array[]): void {
  const decoder = new FrameDecoder(options);
  let failed: unknown;
  for (const chunk of chunks) {
    try {
      for (const frame of decoder.push(chunk)) {
        assert.ok(frame.payload.length > 0);
        assert.ok(frame.header.length + frame.payload.length <= (options.maxFrameSize ?? 65535));
      }
    } catch (err) {
      if (!(err instanceof Iso8583Error)) throw err;
      assert.equal(err.code, 'ISO8583_ERR_FRAME_LENGTH');
      if (failed !== undefined) assert.equal(err, failed);
      failed = err;
    }
  }
  assert.ok(decoder.bufferedBytes <= (options.maxFrameSize ?? 65535) + 4);
}

test('random bytes in random reads only ever give frames or an Iso8583Error', () => {
  fc.assert(
    fc.property(FRAMING, fc.array(fc.uint8Array({ maxLength: 600 }), { maxLength: 8 }), (options, chunks) => {
      feed(options, chunks);
    }),
    propertyRuns(2000),
  );
});

test('mutated frames of a real message only ever give frames or an Iso8583Error', () => {
  const message = readVector('socketqueue/sv_200_purchase.bin');
  fc.assert(
    fc.property(
      FRAMING,
      fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (options, mutations, cuts) => {
        const stream = Buffer.concat([
          encodeFrame(message, options, options.headerBytes ? Buffer.alloc(options.headerBytes) : undefined),
          encodeFrame(message, options, options.headerBytes ? Buffer.alloc(options.headerBytes) : undefined),
        ]);
        for (const { at, byte } of mutations) stream[at % stream.length] = byte;
        const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of points) {
          chunks.push(stream.subarray(last, p));
          last = p;
        }
        chunks.push(stream.subarray(last));
        feed(options, chunks);
      },
    ),
    propertyRuns(2000),
  );
});

test('with no length header, random bytes through a throwing measure only give an Iso8583Error', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 6 }), (chunks) => {
      const decoder = new FrameDecoder({
        lengthHeader: 'none',
        maxFrameSize: 256,
        measure: (bytes) => {
          if (bytes[0]! > 200) throw new Error('not a message');
          return bytes.length > bytes[0]! ? bytes[0]! + 1 : undefined;
        },
      });
      for (const chunk of chunks) {
        try {
          decoder.push(chunk);
        } catch (err) {
          assert.ok(err instanceof Iso8583Error);
        }
      }
    }),
    propertyRuns(2000),
  );
});

test('with no length header, mutated iso87ascii and iso87binary messages cut by Codec.measure only give an Iso8583Error', () => {
  const cases = [
    { codec: createCodec('iso87ascii'), message: readVectorHex('jpos/ISO87APackager.hex') },
    { codec: createCodec('iso87binary'), message: readVectorHex('jpos/ISO87BPackager.hex') },
  ];
  fc.assert(
    fc.property(
      fc.constantFrom(...cases),
      fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
      fc.nat(),
      ({ codec, message }, mutations, cut) => {
        const stream = Buffer.concat([message, message]);
        for (const { at, byte } of mutations) stream[at % stream.length] = byte;
        const decoder = new FrameDecoder({ lengthHeader: 'none', maxFrameSize: 2048, measure: (b) => codec.measure(b) });
        const point = cut % stream.length;
        for (const chunk of [stream.subarray(0, point), stream.subarray(point)]) {
          try {
            decoder.push(chunk);
          } catch (err) {
            assert.ok(err instanceof Iso8583Error, String(err));
            return;
          }
        }
      },
    ),
    propertyRuns(500, 4),
  );
});

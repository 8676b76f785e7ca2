/**
 * The reader and the writer instances: the state of a decode lives in its Reader, the state of a pack in its Writer,
 * never in module variables. Two decodes interleaved across awaits keep their own offsets and bitmaps; a pack (or a
 * validate) started from a getter of the message being packed leaves that pack whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { Dialect, MessageInput } from '../src/index.js';
import { Layout } from '../src/field/compile.js';
import { Reader } from '../src/field/reader.js';
import { Writer } from '../src/field/writer.js';
import { readLayout } from '../src/field/unpack.js';
import { readAsciiText } from '../src/field/ascii-text.js';
import { compileField } from '../src/field/plan.js';
import { prepareValue } from '../src/field/prepare.js';
import { latin1 } from '../src/encoding/ascii.js';
import { needsMoreBytes } from '../src/field/truncated.js';
import { oneFieldCodec, readFieldHex } from './field-support.js';

const LLVAR = compileField('32', 32, { name: 'ACQUIRING INSTITUTION ID', type: 'n', length: 11, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } }, undefined);

function readerOf(text: string): Reader {
  const buf = Buffer.from(text, 'latin1');
  return new Reader(buf, latin1(buf, buf.length), buf.length);
}

/** A turn of the event loop: other work (another decode) runs before this one goes on. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

test('reader – two decodes read LLVAR fields in turns across awaits, each from its own offset', async () => {
  const a = readerOf('061234560212');
  const b = readerOf('1100000000001');
  const read = async (r: Reader, count: number): Promise<string[]> => {
    const values: string[] = [];
    let off = 0;
    for (let i = 0; i < count; i++) {
      values.push(readAsciiText(r, LLVAR, off, r.buf.length, false));
      off = r.pos;
      await turn();
    }
    return values;
  };
  const [fromA, fromB] = await Promise.all([read(a, 2), read(b, 1)]);
  assert.deepEqual(fromA, ['123456', '12']);
  assert.deepEqual(fromB, ['00000000001']);
  assert.equal(a.pos, 12);
  assert.equal(b.pos, 13);
});

test('reader – a truncation is "more bytes needed" only at the end of its own input', () => {
  const whole = readerOf('0612');
  const thrown = (r: Reader): unknown => {
    try {
      readAsciiText(r, LLVAR, 0, 4, false);
    } catch (err) {
      return err;
    }
    assert.fail('a read past the end must throw');
  };
  const atEnd = thrown(whole);
  assert.equal((atEnd as { code: string }).code, 'ISO8583_ERR_TRUNCATED');
  assert.equal(needsMoreBytes(atEnd), true);
  // A child reader (a composite's contents, end -1) says the message is malformed, not short.
  const inside = thrown(new Reader(whole.buf, whole.text, -1));
  assert.equal((inside as { code: string }).code, 'ISO8583_ERR_TRUNCATED');
  assert.equal(needsMoreBytes(inside), false);
  const codec = createCodec('iso87ascii');
  // measure() uses the same distinction: an image cut inside field 32 asks for more bytes.
  const image = codec.pack({ '0': '0800', '32': '123456' });
  assert.equal(codec.measure(image.subarray(0, image.length - 2)), undefined);
});

test('reader – two layouts read in turns keep their own bitmaps', async () => {
  const layout = new Layout(
    {
      '2': { name: 'PRIMARY ACCOUNT NUMBER', type: 'n', length: 19, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } },
      '3': { name: 'PROCESSING CODE', type: 'n', length: 6, encoding: 'ascii' },
      '4': { name: 'AMOUNT, TRANSACTION', type: 'n', length: 12, encoding: 'ascii' },
    },
    { encoding: 'hex' },
    false,
    '',
  );
  const codec = createCodec('iso87ascii');
  const first = codec.pack({ '0': '0200', '2': '4111111111111111', '3': '000000' }).subarray(4);
  const second = codec.pack({ '0': '0200', '4': '000000001000' }).subarray(4);
  const decode = async (bytes: Buffer): Promise<Record<string, unknown>> => {
    const r = new Reader(Buffer.from(bytes), latin1(Buffer.from(bytes), bytes.length), bytes.length);
    await turn();
    return readLayout(layout, r, 0, bytes.length, false);
  };
  const [a, b] = await Promise.all([decode(first), decode(second)]);
  assert.deepEqual(a, { '2': '4111111111111111', '3': '000000' });
  assert.deepEqual(b, { '4': '000000001000' });
});

test('writer – each writer notes its own problem', () => {
  const one = new Writer(64);
  const two = new Writer(64);
  assert.equal(prepareValue(LLVAR, 'ABC', false, one.problem), undefined);
  assert.equal(prepareValue(LLVAR, '1'.repeat(12), false, two.problem), undefined);
  assert.equal(one.problem.code, 'ISO8583_ERR_FIELD_TYPE');
  assert.equal(two.problem.code, 'ISO8583_ERR_FIELD_TOO_LONG');
});

test('writer – a pack started from a getter of the message being packed leaves that pack whole', () => {
  const codec = createCodec('iso87ascii');
  const inner = { '0': '0800', '11': '000001', '70': '301' };
  let innerImage: Buffer | undefined;
  const outer: MessageInput = { '0': '0200', '3': '000000', '4': '000000001000' };
  Object.defineProperty(outer, '11', {
    enumerable: true,
    get() {
      innerImage = Buffer.from(codec.pack(inner));
      return '000042';
    },
  });
  outer['41'] = 'TERM0001';
  const image = Buffer.from(codec.pack(outer));
  assert.deepEqual(codec.unpack(image), { '0': '0200', '3': '000000', '4': '000000001000', '11': '000042', '41': 'TERM0001' });
  assert.ok(innerImage !== undefined);
  assert.deepEqual(codec.unpack(innerImage), inner);
});

test('writer – a composite field packs with a child writer: the message around it stays', () => {
  const dialect: Dialect = {
    name: 'with-127',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: {
      '3': { name: 'PROCESSING CODE', type: 'n', length: 6, encoding: 'ascii' },
      '127': {
        name: 'POSTILION PRIVATE',
        type: 'b',
        length: 999,
        encoding: 'binary',
        prefix: { encoding: 'ascii', digits: 3, counts: 'bytes' },
        subfields: {
          bitmap: { encoding: 'binary' },
          fields: {
            '2': { name: 'SWITCH KEY', type: 'ans', length: 32, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } },
            '3': { name: 'ROUTING INFORMATION', type: 'ans', length: 48, encoding: 'ascii' },
          },
        },
      },
    },
  };
  const codec = createCodec(dialect);
  const message = { '0': '0200', '3': '000000', '127': { '2': 'KEY-1', '3': 'ROUTE' } };
  const image = codec.pack(message);
  assert.deepEqual(codec.unpack(image), { '0': '0200', '3': '000000', '127': { '2': 'KEY-1', '3': 'ROUTE'.padEnd(48) } });
  // Out of order keys (the slow path, prepared values in the writer) give the same image.
  assert.deepEqual(codec.pack({ '127': { '3': 'ROUTE', '2': 'KEY-1' }, '3': '000000', '0': '0200' }), image);
});

test('reader – ASCII hex characters: upper case as sent, lower case shown in upper case, other characters refused', () => {
  const codec = oneFieldCodec({ type: 'b', length: 4, encoding: 'hex' });
  assert.equal(readFieldHex(codec, Buffer.from('0A1B2C3D', 'latin1').toString('hex')), '0A1B2C3D');
  assert.equal(readFieldHex(codec, Buffer.from('0a1b2c3d', 'latin1').toString('hex')), '0A1B2C3D');
  assert.throws(() => readFieldHex(codec, Buffer.from('0A1B2C3G', 'latin1').toString('hex')), { code: 'ISO8583_ERR_ENCODING', field: '2' });
});

test('reader – binary values long and short read as uppercase hex', () => {
  const codec = oneFieldCodec({ type: 'b', length: 255, encoding: 'binary', prefix: { encoding: 'binary', digits: 1 } });
  for (const size of [0, 1, 16, 17, 130]) {
    const value = Buffer.alloc(size, 0xab);
    const hex = Buffer.concat([Buffer.from([size]), value]).toString('hex');
    assert.equal(readFieldHex(codec, hex), 'AB'.repeat(size), `${size} bytes`);
  }
});

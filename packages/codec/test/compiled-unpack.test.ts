/**
 * The compiled reader of a message type (`field/compile-unpack.ts`): once a bitmap has been read a few times, its
 * fields are read by code generated for it. It must give exactly what the interpreter gives: the same message for
 * every valid image, and for every broken one the same coded error (code, field, offset, words). The reference is a
 * fresh codec that has not read the bitmap often enough to compile it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BUILTIN_DIALECTS, createCodec } from '../src/index.js';
import type { Codec, IsoMessage } from '../src/index.js';
import { COMPILE_AFTER, COMPILE_BUDGET, Shapes } from '../src/field/shapes.js';
import { MAX_COPY } from '../src/field/reader.js';
import type { CompiledUnpack } from '../src/field/compile-unpack.js';
import { unpackOutcome } from './unpack-outcome.js';

/** Reads that make a message type compiled (more than the codec waits for). */
const WARM = 20;

/** A purchase with every kind of field the compiled reader handles inline, and some it hands over. Test card only. */
const PURCHASE: Record<string, string> = {
  '0': '0200',
  '2': '4111111111111111',
  '3': '000000',
  '4': '000000001000',
  '7': '1121103000',
  '11': '618160',
  '12': '103000',
  '13': '1121',
  '14': '2812',
  '22': '051',
  '25': '00',
  '35': '4111111111111111=28121011234567890',
  '37': '000000618160',
  '41': '00992468',
  '42': '000124642124643',
  '43': 'TEST MERCHANT          CITY         US',
  '49': '840',
  '52': '0123456789ABCDEF',
  '55': '9F2608571F1E10D4FA4AAC9F2701809F10',
  '64': 'FEDCBA9876543210',
};

/**
 * What the codec's cache holds for each bitmap it has read: the compiled reader (a function), `null` (decided not to
 * compile) or `undefined` (not read often enough yet). White box: the layout is not part of the public API.
 */
function compiledOf(codec: Codec): unknown[] {
  return (codec as unknown as { layout: { shapes: Shapes } }).layout.shapes.held().map((shape) => shape.compiled);
}

/** The fields of `message` that `codec`'s dialect defines, so that one message serves every dialect. */
function forDialect(codec: Codec, message: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(message)) {
    const spec = codec.dialect.fields[k];
    if (k === '0' || (spec !== undefined && spec.subfields === undefined)) out[k] = v;
  }
  return out;
}

/** A codec that has read the bitmap of `bytes` often enough to read it compiled. */
function warmed(dialect: string, bytes: Buffer): Codec {
  const codec = createCodec(dialect);
  for (let i = 0; i < WARM; i++) codec.unpack(bytes);
  return codec;
}

/** Packs `message` with the fields `dialect` can carry, dropping any its types refuse. */
function imageFor(dialect: string): Buffer | undefined {
  const codec = createCodec(dialect);
  const message = forDialect(codec, PURCHASE);
  for (const key of Object.keys(message)) {
    if (key === '0') continue;
    if (codec.validate({ '0': '0200', [key]: message[key]! }).length > 0) delete message[key];
  }
  return Object.keys(message).length > 1 ? codec.pack(message) : undefined;
}

test('unpack – a message type read often gives the same message as the first read, in every built-in dialect', () => {
  for (const dialect of BUILTIN_DIALECTS) {
    const bytes = imageFor(dialect);
    if (bytes === undefined) continue;
    const first = createCodec(dialect).unpack(bytes);
    const codec = warmed(dialect, bytes);
    // iso87ascii reads text fields inline: its reader is compiled (a dialect with none inline keeps `null`).
    if (dialect === 'iso87ascii') assert.equal(typeof compiledOf(codec)[0], 'function', 'a reader was compiled');
    else assert.equal(compiledOf(codec).length, 1, dialect);
    const later: IsoMessage = codec.unpack(bytes);
    assert.deepEqual(later, first, dialect);
    assert.deepEqual(Object.keys(later), Object.keys(first), `${dialect}: keys in ascending order`);
    assert.notEqual(codec.unpack(bytes), later, `${dialect}: every unpack is an object of its own`);
  }
});

test('unpack – every byte of a compiled message type changed gives what the interpreter gives', () => {
  // Bytes that break each kind of check: control, digit, upper and lower letter, space, `=`, DEL, C1, Latin-1.
  const replacements = [0x00, 0x39, 0x41, 0x61, 0x20, 0x3d, 0x7f, 0x85, 0xe9];
  for (const dialect of ['iso87ascii', 'iso93ascii', 'smartvista']) {
    const bytes = imageFor(dialect)!;
    const codec = warmed(dialect, bytes);
    let reference = createCodec(dialect);
    let uses = 0;
    for (let at = 0; at < bytes.length; at++) {
      for (const b of replacements) {
        if (bytes[at] === b) continue;
        const broken = Buffer.from(bytes);
        broken[at] = b;
        // A fresh reference before it could compile the bitmap itself.
        if (++uses === 4) {
          reference = createCodec(dialect);
          uses = 0;
        }
        assert.deepEqual(unpackOutcome(codec, broken), unpackOutcome(reference, broken), `${dialect}: byte ${at} set to ${b}`);
      }
    }
  }
});

test('unpack – every byte value at every place of a word in the fields of each class gives what the interpreter gives', () => {
  // Digits (n), printable (ans), digits and `=` (z), letters, digits and space (an), and a long printable value:
  // the compiled reader checks their characters 4 at a time, so every byte value goes to each of the 4 places.
  const codec = createCodec('iso87ascii');
  const message = {
    '0': '0200',
    '2': '4111111111111111',
    '3': '000000',
    '35': '4111111111111111=2812101',
    '37': '000000618160',
    '43': 'TEST MERCHANT          CITY         US',
    '55': 'X'.repeat(70),
  };
  const bytes = codec.pack(message);
  const warm = warmed('iso87ascii', bytes);
  assert.equal(typeof compiledOf(warm)[0], 'function');
  const text = bytes.toString('latin1');
  // The first 5 characters of each value (5 places: every place of a word, wherever the value starts).
  const places: number[] = [];
  for (const key of ['2', '3', '35', '37', '43', '55']) {
    const at = text.indexOf(message[key as keyof typeof message], 20);
    for (let i = 0; i < 5; i++) places.push(at + i);
  }
  // The last characters of the long value (the word read at its end).
  for (let i = 1; i <= 4; i++) places.push(bytes.length - i);
  let reference = createCodec('iso87ascii');
  let uses = 0;
  for (const at of places) {
    for (let b = 0; b < 256; b++) {
      const changed = Buffer.from(bytes);
      changed[at] = b;
      if (++uses === 4) {
        reference = createCodec('iso87ascii');
        uses = 0;
      }
      assert.deepEqual(unpackOutcome(warm, changed), unpackOutcome(reference, changed), `byte ${at} set to ${b}`);
    }
  }
});

test('unpack – a compiled message type cut short at every length gives what the interpreter gives', () => {
  const bytes = imageFor('iso87ascii')!;
  const codec = warmed('iso87ascii', bytes);
  for (let end = 0; end < bytes.length; end++) {
    const cut = bytes.subarray(0, end);
    assert.deepEqual(unpackOutcome(codec, cut), unpackOutcome(createCodec('iso87ascii'), cut), `cut at ${end}`);
  }
});

test('unpack – lower-case hex of a binary field in a compiled message type comes out in upper case', () => {
  const codec = createCodec('iso87ascii');
  const bytes = codec.pack(forDialect(codec, PURCHASE));
  for (let i = 0; i < WARM; i++) codec.unpack(bytes);
  const lower = Buffer.from(bytes.toString('latin1').replace('0123456789ABCDEF', '0123456789abcdef'), 'latin1');
  assert.equal(codec.unpack(lower)['52'], '0123456789ABCDEF');
});

test('unpack – a message its compiled reader refuses is read by the compiled reader once, then by the interpreter', () => {
  const codec = createCodec('iso87ascii');
  const bytes = codec.pack(forDialect(codec, PURCHASE));
  for (let i = 0; i < WARM; i++) codec.unpack(bytes);
  // White box: the shape's compiled readers (after the bitmap, and of the whole message, which the shape read last
  // has), counted together.
  const shape = (codec as unknown as { layout: { shapes: Shapes } }).layout.shapes.held()[0]!;
  let calls = 0;
  const counted = (reader: CompiledUnpack): CompiledUnpack => (...args) => {
    calls++;
    return reader(...args);
  };
  assert.equal(typeof shape.message, 'function', 'the shape read last has a reader of the whole message');
  shape.compiled = counted(shape.compiled!);
  shape.message = counted(shape.message!);
  const lower = Buffer.from(bytes.toString('latin1').replace('0123456789ABCDEF', '0123456789abcdef'), 'latin1');
  assert.equal(codec.unpack(lower)['52'], '0123456789ABCDEF');
  assert.equal(calls, 1, 'the refusal is not tried again');
  assert.equal(codec.unpack(bytes)['52'], '0123456789ABCDEF');
  assert.equal(calls, 2);
});

test('unpack – the reader of the message type read last checks its MTI and its bitmaps before it reads the fields', () => {
  const fresh = createCodec('iso87ascii');
  const bytes = fresh.pack(PURCHASE);
  const codec = warmed('iso87ascii', bytes);
  const shape = (codec as unknown as { layout: { shapes: Shapes } }).layout.shapes.recent;
  assert.equal(typeof shape?.message, 'function', 'the message type read last has a reader of the whole message');
  // A bitmap that differs only in which field of the same size it marks (15 for 14, both n 4): its own fields.
  const other: Record<string, string> = { ...PURCHASE, '15': PURCHASE['14']! };
  delete other['14'];
  const image = fresh.pack(other);
  assert.equal(image.length, bytes.length);
  const read = codec.unpack(image);
  assert.deepEqual(read, createCodec('iso87ascii').unpack(image));
  assert.equal(read['15'], '2812');
  assert.equal(read['14'], undefined);
  assert.deepEqual(codec.unpack(bytes), createCodec('iso87ascii').unpack(bytes));
  // An MTI with a letter or a space anywhere: refused naming field 0, as a codec that never compiled refuses it.
  for (let at = 0; at < 4; at++) {
    for (const c of [0x41, 0x20, 0x2f, 0x3a]) {
      const bad = Buffer.from(bytes);
      bad[at] = c;
      const outcome = unpackOutcome(codec, bad) as { code?: string; field?: string };
      assert.deepEqual(outcome, unpackOutcome(createCodec('iso87ascii'), bad));
      assert.equal(outcome.code, 'ISO8583_ERR_MTI');
      assert.equal(outcome.field, '0');
    }
  }
  // Cut inside the MTI or the bitmaps, or a bitmap character changed: as the interpreter says.
  for (const n of [0, 3, 4, 12, 19, 20, 35]) {
    assert.deepEqual(unpackOutcome(codec, bytes.subarray(0, n)), unpackOutcome(createCodec('iso87ascii'), bytes.subarray(0, n)), `${n} bytes`);
  }
  for (let at = 4; at < 36; at++) {
    const bad = Buffer.from(bytes);
    bad[at] = bad[at] === 0x30 ? 0x31 : 0x30;
    assert.deepEqual(unpackOutcome(codec, bad), unpackOutcome(createCodec('iso87ascii'), bad), `bitmap byte ${at}`);
  }
  assert.equal(codec.unpack(bytes)['14'], '2812');
});

test('unpack – a compiled message type reads a longer message than the ones before it, and one in a buffer over MAX_COPY', () => {
  const codec = createCodec('iso87ascii');
  const short = codec.pack({ '0': '0200', '3': '000000', '55': 'A' });
  for (let i = 0; i < WARM; i++) codec.unpack(short);
  assert.equal(typeof compiledOf(codec)[0], 'function');
  // The same bitmap, a longer message: the reader's copy of the bytes grows.
  const long = { '0': '0200', '3': '000000', '55': 'B'.repeat(999) };
  assert.deepEqual(codec.unpack(codec.pack(long)), long);
  // Bytes after the message (allowed) that make the input longer than the reader copies (only the bytes the message
  // can take are copied: `compiled-unpack-wipe.test.ts`).
  const image = codec.pack(long);
  const padded = Buffer.concat([image, Buffer.alloc(MAX_COPY + 1 - image.length + 10, 0x20)]);
  assert.deepEqual(codec.unpack(padded, { trailing: 'allow' }), long);
  assert.deepEqual(
    unpackOutcome(codec, Buffer.concat([padded.subarray(0, 30), Buffer.from([0x7f]), padded.subarray(31)])),
    unpackOutcome(createCodec('iso87ascii'), Buffer.concat([padded.subarray(0, 30), Buffer.from([0x7f]), padded.subarray(31)])),
  );
  // And the short one again, after both.
  assert.deepEqual(codec.unpack(short), { '0': '0200', '3': '000000', '55': 'A' });
});

test('unpack – a compiled message type in lenient mode still accepts what the type does not allow', () => {
  const codec = createCodec('iso87ascii');
  const bytes = codec.pack({ '0': '0200', '3': '123456', '41': '00992468' });
  for (let i = 0; i < WARM; i++) codec.unpack(bytes);
  const letters = Buffer.from(bytes.toString('latin1').replace('123456', '12A456'), 'latin1');
  assert.throws(() => codec.unpack(letters), { code: 'ISO8583_ERR_FIELD_TYPE', field: '3' });
  assert.equal(codec.unpack(letters, { lenient: true })['3'], '12A456');
});

test('unpack – a compiled message type refuses a declared length over the field maximum, even when the bytes are there', () => {
  const codec = createCodec('iso87ascii');
  const bytes = codec.pack({ '0': '0200', '2': '4111111111111111' });
  for (let i = 0; i < WARM; i++) codec.unpack(bytes);
  // Field 2 is n..19: a length of 20 with 20 digits after it is still too long.
  const over = Buffer.from(bytes.toString('latin1').replace('164111111111111111', '2041111111111111110000'), 'latin1');
  assert.throws(() => codec.unpack(over), { code: 'ISO8583_ERR_LENGTH_OVER_MAX', field: '2' });
});

test('unpack – a peer cycling through more message types than the cache holds still gets every message right', () => {
  const codec = createCodec('iso87ascii');
  // Fixed-length numeric fields of iso87ascii: each subset of them is a bitmap of its own.
  const fields = [3, 4, 7, 11, 12, 13, 18, 22, 25];
  for (let round = 0; round < COMPILE_AFTER + 2; round++) {
    for (let set = 1; set < 1 << fields.length; set += 1 + (round % 3)) {
      const message: Record<string, string> = { '0': '0200' };
      fields.forEach((n, i) => {
        const length = codec.dialect.fields[n]!.length;
        if ((set & (1 << i)) !== 0) message[n] = String(set % 10 ** length).padStart(length, '0');
      });
      assert.deepEqual(codec.unpack(codec.pack(message)), message, `round ${round}, set ${set}`);
    }
  }
});

test('unpack – a bitmap is compiled on its COMPILE_AFTER-th strict read, not before, and not by lenient reads', () => {
  const codec = createCodec('iso87ascii');
  const bytes = codec.pack(forDialect(codec, PURCHASE));
  for (let i = 0; i < 2 * COMPILE_AFTER; i++) codec.unpack(bytes, { lenient: true });
  assert.deepEqual(compiledOf(codec), [undefined], 'lenient reads compile nothing');
  for (let i = 0; i < COMPILE_AFTER - 1; i++) codec.unpack(bytes);
  assert.deepEqual(compiledOf(codec), [undefined], 'one read short');
  codec.unpack(bytes);
  const [reader] = compiledOf(codec);
  assert.equal(typeof reader, 'function', 'compiled on the last read');
  codec.unpack(bytes);
  assert.equal(compiledOf(codec)[0], reader, 'compiled once');
});

test('unpack – a layout compiles at most its budget of readers, then reads by the interpreter', () => {
  const shapes = new Shapes();
  let granted = 0;
  for (let i = 0; i < 2 * COMPILE_BUDGET; i++) if (shapes.mayCompile()) granted++;
  assert.equal(granted, COMPILE_BUDGET);
});

test('unpack – where code generation from strings is off, a message type read often is read by the interpreter', () => {
  const index = new URL('../src/index.js', import.meta.url).href;
  const script =
    `const { createCodec } = await import(${JSON.stringify(index)});\n` +
    `const codec = createCodec('iso87ascii');\n` +
    `const message = { '0': '0200', '2': '4111111111111111', '3': '000000', '41': '00992468' };\n` +
    `const bytes = codec.pack(message);\n` +
    `for (let i = 0; i < 20; i++) if (codec.unpack(bytes)['41'] !== '00992468') throw new Error('wrong field 41');\n` +
    `const shapes = codec.layout.shapes.held();\n` +
    `if (shapes.length !== 1 || shapes[0].compiled !== null) throw new Error('a reader was compiled');\n` +
    `console.log('read 20 times');\n`;
  const run = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(run.stderr, '');
  assert.equal(run.stdout.trim(), 'read 20 times');
  assert.equal(run.status, 0);
});

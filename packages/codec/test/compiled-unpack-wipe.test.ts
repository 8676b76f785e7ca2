/**
 * No card data outlives a compiled read (`field/compile-unpack.ts`): the bytes a compiled reader copies to check
 * them (into the memory of the WebAssembly check, or the reader's own copy where WebAssembly is missing) are wiped
 * when the decode ends, whether the read gave the message, was refused (the interpreter then reads it) or threw
 * after the copy; and of a buffer with bytes after the message only what the message can take is copied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { Codec } from '../src/index.js';
import { classCheck } from '../src/field/class-check.js';
import { MAX_COPY } from '../src/field/reader.js';
import { unpackOutcome } from './unpack-outcome.js';

/** Reads that make a message type compiled (more than the codec waits for). */
const WARM = 20;

/** A purchase with fields read inline and one (28, an amount) read by the interpreter. Test card only. */
const PURCHASE: Record<string, string> = {
  '0': '0200',
  '2': '4111111111111111',
  '3': '000000',
  '28': 'C00000100',
  '35': '4111111111111111=28121011234567890',
  '41': '00992468',
  '52': '0123456789ABCDEF',
  '55': '9F2608571F1E10D4FA4AAC9F2701809F10',
};

/** The part of the codec's shared reader these tests look at (white box: not part of the public API). */
interface WatchedReader {
  buf: Buffer;
  copy: Uint8Array;
  staging: number;
  copiedLength: number;
  staged(end: number): boolean;
  copied(end: number): DataView | undefined;
}

/**
 * The codec's reader, its copying methods wrapped to note how many bytes each decode copied (`ends`, emptied by the
 * caller: the bytes the reader says it copied, and that nothing past them is in the copy), so that a wipe checked
 * below is of bytes that were there.
 */
function watch(codec: Codec): { reader: WatchedReader; ends: number[] } {
  const reader = (codec as unknown as { reader: WatchedReader }).reader;
  const ends: number[] = [];
  const staged = reader.staged.bind(reader);
  const copied = reader.copied.bind(reader);
  reader.staged = (end) => {
    const ok = staged(end);
    ends.push(reader.staging);
    assert.equal(classCheck()!.message.findIndex((b, i) => i >= reader.staging && b !== 0), -1, 'nothing staged past the message');
    return ok;
  };
  reader.copied = (end) => {
    const view = copied(end);
    ends.push(reader.copiedLength);
    assert.equal(reader.copy.findIndex((b, i) => i >= reader.copiedLength && b !== 0), -1, 'nothing copied past the message');
    return view;
  };
  return { reader, ends };
}

/** A codec that has read the bitmap of `bytes` often enough to read it compiled. */
function warmed(bytes: Buffer): Codec {
  const codec = createCodec('iso87ascii');
  for (let i = 0; i < WARM; i++) codec.unpack(bytes);
  return codec;
}

/** Asserts that nothing of a message stays where the compiled reader copied it. */
function assertWiped(reader: WatchedReader): void {
  assert.equal(reader.buf.length, 0, 'the reader let go of the bytes');
  const check = classCheck();
  const kept = check === null ? reader.copy : check.memory;
  if (check !== null) assert.equal(check.message.findIndex((b) => b !== 0), -1, 'the memory of the check is wiped');
  assert.equal(reader.copy.findIndex((b) => b !== 0), -1, 'the copy is wiped');
  assert.equal(Buffer.from(kept).includes(Buffer.from(PURCHASE['2']!, 'latin1')), false);
  assert.equal(Buffer.from(kept).includes(Buffer.from(PURCHASE['35']!, 'latin1')), false);
}

test('unpack – once a compiled read is done, the reader keeps no byte of the message (no card data outlives the decode)', () => {
  const image = createCodec('iso87ascii').pack(PURCHASE);
  const codec = warmed(image);
  const { reader, ends } = watch(codec);
  // A refusal of the compiled reader (lower-case hex in field 52) leaves the interpreter to read the message: the
  // bytes the compiled reader copied are wiped all the same.
  const lower = Buffer.from(image);
  lower.write('0123456789abcdef', image.indexOf('0123456789ABCDEF'), 'latin1');
  for (const bytes of [image, lower]) {
    ends.length = 0;
    assert.equal(codec.unpack(bytes)['2'], PURCHASE['2']);
    assert.deepEqual(ends, [bytes.length], 'the compiled reader copied the message');
    assertWiped(reader);
  }
});

test('unpack – a compiled read that throws after copying the message (a field the interpreter reads) wipes it all the same', () => {
  const image = createCodec('iso87ascii').pack(PURCHASE);
  const codec = warmed(image);
  const { reader, ends } = watch(codec);
  // Field 28 (x+n) with a sign that is neither C nor D: the compiled reader hands it to the interpreter, which throws.
  const bad = Buffer.from(image);
  bad.write('Q', image.indexOf('C00000100'), 'latin1');
  const outcome = unpackOutcome(codec, bad) as { code?: string; field?: string };
  assert.deepEqual(outcome, unpackOutcome(createCodec('iso87ascii'), bad));
  assert.equal(outcome.code, 'ISO8583_ERR_FIELD_TYPE');
  assert.equal(outcome.field, '28');
  assert.deepEqual(ends, [bad.length], 'the compiled reader copied the message before the interpreter threw');
  assertWiped(reader);
});

test('unpack – of bytes after a compiled message type (allowed), only the bytes the message can take are copied', () => {
  // Fixed fields only: the message's length is known from its bitmap.
  const fixed = { '0': '0200', '3': '000000', '4': '000000001000', '41': '00992468' };
  const codec = createCodec('iso87ascii');
  const image = codec.pack(fixed);
  for (let i = 0; i < WARM; i++) codec.unpack(image);
  const { reader, ends } = watch(codec);
  // The next message of the stream, with card data, follows.
  const next = createCodec('iso87ascii').pack(PURCHASE);
  assert.deepEqual(codec.unpack(Buffer.concat([image, next]), { trailing: 'allow' }), fixed);
  assert.deepEqual(ends, [image.length]);
  assertWiped(reader);
  // A variable field: at most its longest value is copied (field 2: 2 length digits and 19 digits).
  const pan = { '0': '0200', '2': '4111111111111111', '3': '000000' };
  const short = codec.pack(pan);
  for (let i = 0; i < WARM; i++) codec.unpack(short);
  ends.length = 0;
  assert.deepEqual(codec.unpack(Buffer.concat([short, next]), { trailing: 'allow' }), pan);
  assert.deepEqual(ends, [short.length - 16 + 19]);
  assertWiped(reader);
  // Bytes after it that make the input longer than a reader copies: the message itself fits, and is read compiled.
  const long = Buffer.concat([short, next, Buffer.alloc(MAX_COPY, 0x20)]);
  ends.length = 0;
  assert.deepEqual(codec.unpack(long, { trailing: 'allow' }), pan);
  assert.deepEqual(ends, [short.length - 16 + 19]);
  assertWiped(reader);
});

/**
 * Packing by the plan of a set of keys (`field/pack-shapes.ts`): when a plan is made, what it packs (the same bytes
 * as the interpreter), and that a message that only looks like a planned one (as many keys, another set; a value
 * of another kind) is packed or refused exactly as by the interpreter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { Dialect, IsoMessage } from '../src/index.js';
import { PLANS, PLAN_AFTER } from '../src/field/pack-shapes.js';
import type { Writer } from '../src/field/writer.js';
import { PURCHASE, packOutcome, plansOf, warmed, zeroedSlab } from './pack-outcome.js';
import { COMPOSITE_DIALECT } from './message-arbitrary.js';
import { getDialect } from '../src/index.js';
import { compileField, WRITE_ASCII_FIXED, WRITE_ASCII_VAR, WRITE_BCD, WRITE_BINARY, WRITE_GENERAL, WRITE_HEX } from '../src/field/plan.js';

test('pack – a set of keys packed PLAN_AFTER times gets a plan, and packs by it the bytes of the interpreter', () => {
  for (const name of ['iso87ascii', 'iso87binary', 'iso93ascii', 'smartvista']) {
    const codec = warmed(name, PURCHASE, PLAN_AFTER - 1);
    assert.equal(plansOf(codec).plans.length, 0, name);
    codec.pack(PURCHASE);
    assert.equal(plansOf(codec).plans.length, 1, name);
    const fresh = createCodec(name).pack(PURCHASE);
    for (let i = 0; i < 3; i++) assert.deepEqual(codec.pack(PURCHASE), fresh, name);
    // Other values, same keys: packed by the plan, still as the interpreter does.
    const other = { ...PURCHASE, '2': '5555555555554444', '4': '77', '55': 'ABCD' };
    assert.deepEqual(codec.pack(other), createCodec(name).pack(other), name);
  }
});

test('pack – a planned set of keys with a secondary bitmap, the key "1" and a header packs as the interpreter', () => {
  const message: IsoMessage = { '0': '0800', '1': 'ignored', '7': '1121103000', '11': '000001', '70': '301' };
  const codec = warmed('iso87ascii', message);
  assert.equal(plansOf(codec).plans.length, 1);
  const image = codec.pack(message);
  assert.deepEqual(image, createCodec('iso87ascii').pack(message));
  assert.equal(image.subarray(4, 20).toString('latin1'), '8220000000000000');
  // Without the "1" it is another set of keys (interpreter), packed the same.
  const { '1': _, ...plain } = message;
  assert.deepEqual(codec.pack(plain), image);
});

test('pack – a message with the keys of a planned one but one swapped or one more is packed or refused as by the interpreter', () => {
  const codec = warmed('iso87ascii', PURCHASE);
  for (const key of ['999', 'x', '02', '129', '1']) {
    const { '49': _, ...rest } = PURCHASE;
    const message = { ...rest, [key]: '840' };
    assert.equal(Object.keys(message).length, Object.keys(PURCHASE).length);
    assert.deepEqual(packOutcome(codec, message), packOutcome(createCodec('iso87ascii'), message), key);
  }
  // Every key of the plan and one more.
  for (const key of ['999', 'x', '02', '129', '5']) {
    const message = { ...PURCHASE, [key]: '1' };
    assert.deepEqual(packOutcome(codec, message), packOutcome(createCodec('iso87ascii'), message), key);
  }
  // An own key set to undefined in place of one of the plan's keys.
  const hole = { ...PURCHASE, '49': undefined };
  assert.deepEqual(packOutcome(codec, hole), packOutcome(createCodec('iso87ascii'), hole));
});

test('pack – values a plan does not write itself (a number, null, a bad value) go as by the interpreter', () => {
  const codec = warmed('iso87ascii', PURCHASE);
  for (const [key, value] of [
    ['4', 1000],
    ['4', null],
    ['4', 'X1000'],
    ['2', '41111111111111111111111'],
    ['55', 'not hex'],
    ['41', '\u0100bad'],
  ] as [string, unknown][]) {
    const message = { ...PURCHASE, [key]: value };
    const fresh = packOutcome(createCodec('iso87ascii'), message);
    assert.deepEqual(packOutcome(codec, message), fresh, `${key}: ${String(value)}`);
  }
  // A character just outside its type in every field, each in turn (same length: written by the plan).
  for (const key of Object.keys(PURCHASE).filter((k) => k !== '0')) {
    for (const c of [':', '/', '\x1f', '\x7f', '\u0100', 'a', '=']) {
      const v = PURCHASE[key] as string;
      const message = { ...PURCHASE, [key]: c + v.slice(1) };
      assert.deepEqual(packOutcome(codec, message), packOutcome(createCodec('iso87ascii'), message), `${key}: ${JSON.stringify(c)}`);
    }
  }
  const bad = packOutcome(codec, { ...PURCHASE, '4': 'X1000' }) as { code: string; words: string };
  assert.equal(bad.code, 'ISO8583_ERR_INVALID_MESSAGE');
  assert.match(bad.words, /^invalid message: 4 \(/);
  assert.doesNotMatch(bad.words, /4111111111111111/);
});

test('pack – a layout keeps at most PLANS plans, the newest first, and every set of keys still packs right', () => {
  const codec = createCodec('iso87ascii');
  const fresh = createCodec('iso87ascii');
  const messages: IsoMessage[] = [];
  for (const key of ['44', '45', '46', '47', '48', '60', '61'].slice(0, PLANS + 3)) messages.push({ ...PURCHASE, [key]: 'A' });
  for (let round = 0; round < PLAN_AFTER + 2; round++) {
    for (const m of messages) assert.deepEqual(codec.pack(m), fresh.pack(m));
  }
  assert.equal(plansOf(codec).plans.length, PLANS);
});

test('pack – no plan is made for a message with a composite field; a tertiary bitmap is planned; both as the interpreter', () => {
  const codec = createCodec(COMPOSITE_DIALECT);
  const nested = { '0': '0200', '2': '4111111111111111', '3': { '1': '00', '2': '10', '3': '20' }, '127': { header: '01', '9': '1234567' } };
  for (let i = 0; i < PLAN_AFTER + 2; i++) {
    assert.deepEqual(codec.pack(nested as unknown as IsoMessage), createCodec(COMPOSITE_DIALECT).pack(nested as unknown as IsoMessage));
  }
  assert.equal(plansOf(codec).plans.length, 0);
  const tertiary: IsoMessage = { '0': '0200', '2': '4111111111111111', '150': 'AB1' };
  for (let i = 0; i < PLAN_AFTER + 2; i++) assert.deepEqual(codec.pack(tertiary), createCodec(COMPOSITE_DIALECT).pack(tertiary));
  assert.equal(plansOf(codec).plans.length, 1);
  assert.equal(codec.unpack(codec.pack(tertiary))['150'], 'AB1');
});

test('pack – a planned message with a dialect header: header, MTI, the plan\'s bitmap, then its fields, as the interpreter', () => {
  const dialect: Dialect = { ...getDialect('iso87ascii'), name: 'with-tpdu', headerLength: 5 };
  const header = Buffer.from('6000010000', 'hex');
  const codec = createCodec(dialect);
  for (let i = 0; i < PLAN_AFTER; i++) codec.pack(PURCHASE, { header });
  assert.equal(plansOf(codec).plans.length, 1);
  const fresh = createCodec(dialect);
  for (const h of [header, undefined]) {
    const image = codec.pack(PURCHASE, h === undefined ? undefined : { header: h });
    assert.deepEqual(image, fresh.pack(PURCHASE, h === undefined ? undefined : { header: h }));
    assert.deepEqual(image.subarray(0, 5), h ?? Buffer.alloc(5));
    assert.equal(image.toString('latin1', 5, 9), '0200');
    assert.deepEqual(fresh.decode(image).message, fresh.unpack(fresh.pack(PURCHASE)));
  }
  assert.throws(() => codec.pack(PURCHASE, { header: Buffer.alloc(4) }), { code: 'ISO8583_ERR_HEADER' });
});

test('pack – a planned message of BCD, binary and ASCII fields (iso87binary) packs as the interpreter, value by value', () => {
  const codec = warmed('iso87binary', PURCHASE);
  assert.equal(plansOf(codec).plans.length, 1);
  for (const [key, value] of [
    ['2', '41111111111111'],
    ['4', '12'],
    ['35', '4111111111111111D2812101'],
    ['35', '4111111111111111X2812101'],
    ['55', '9F2608571F1E10D4FA4AAC9F2701'],
    ['55', '9F2608571F1E10D4FA4AAC9F27018'],
    ['55', '9F2608571F1E10D4FA4AAC9F2701GG'],
    ['55', 'abcdef'],
  ] as [string, string][]) {
    const message = { ...PURCHASE, [key]: value };
    assert.deepEqual(packOutcome(codec, message), packOutcome(createCodec('iso87binary'), message), `${key}: ${value}`);
  }
});

test('compileField – each field gets the one-pass writer of its encoding and prefix, chosen once from the spec', () => {
  const writerOf = (spec: Dialect['fields'][string], composite?: unknown): number => compileField('9', 9, spec, composite).writer;
  assert.equal(writerOf({ name: 'n', type: 'n', length: 6, encoding: 'ascii' }), WRITE_ASCII_FIXED);
  assert.equal(writerOf({ name: 'llvar', type: 'ans', length: 99, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } }), WRITE_ASCII_VAR);
  assert.equal(writerOf({ name: 'bcd prefix', type: 'ans', length: 99, encoding: 'ascii', prefix: { encoding: 'bcd', digits: 2 } }), WRITE_ASCII_VAR);
  assert.equal(writerOf({ name: 'bcd', type: 'n', length: 6, encoding: 'bcd' }), WRITE_BCD);
  assert.equal(writerOf({ name: 'binary', type: 'b', length: 8, encoding: 'binary' }), WRITE_BINARY);
  assert.equal(writerOf({ name: 'hex', type: 'b', length: 8, encoding: 'hex' }), WRITE_HEX);
  // Amounts (sign, padding after it), EBCDIC and composites are prepared first, then written.
  assert.equal(writerOf({ name: 'amount', type: 'xn', length: 9, encoding: 'ascii' }), WRITE_GENERAL);
  assert.equal(writerOf({ name: 'ebcdic', type: 'ans', length: 9, encoding: 'ebcdic' }), WRITE_GENERAL);
  assert.equal(writerOf({ name: 'composite', type: 'b', length: 99, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } }, {}), WRITE_GENERAL);
});

test('pack – a planned set of keys refused for a bad value leaves no field it wrote in the shared buffer (no PAN at rest)', () => {
  for (const [name, pan] of [
    ['iso87ascii', Buffer.from(PURCHASE['2'] as string, 'latin1')],
    ['iso87binary', Buffer.from(PURCHASE['2'] as string, 'hex')],
  ] as const) {
    const codec = warmed(name, PURCHASE);
    const w = (codec as unknown as { writer: Writer }).writer;
    zeroedSlab(codec, w, PURCHASE);
    // Field 11 (n 6) after the PAN: the plan writes field 2, then gives up on field 11.
    assert.throws(() => codec.pack({ ...PURCHASE, '11': 'abcdef' }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
    assert.equal(w.buf.subarray(w.used).indexOf(pan), -1, `${name}: the PAN stays in the buffer`);
    // A value of another kind after the PAN (the plan gives way to the interpreter, which packs it).
    assert.deepEqual(packOutcome(codec, { ...PURCHASE, '41': 992468 }), packOutcome(createCodec(name), { ...PURCHASE, '41': 992468 }));
  }
});

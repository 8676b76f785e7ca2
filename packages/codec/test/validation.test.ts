/**
 * Validation on pack and validate(): every offending field named at once, each with its own code; no value (and
 * never card data) in any error text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, fromJson, fromObject, isIso8583Error } from '../src/index.js';
import type { FieldProblem, MessageInput } from '../src/index.js';

const PAN = '4111111111111111';

const BAD: MessageInput = {
  '0': '02A0',
  '2': PAN + 'X',
  '3': '1234567',
  '4': 'ten',
  '35': { nested: PAN },
  '41': -12,
  '52': PAN + 'Z',
  '64': 'ABCD',
  '129': 'x',
  abc: '1',
  '07': '0101000000',
  '28': 'X00000100',
  '44': true as unknown as string,
  [PAN]: 'key',
};

const EXPECTED: [string, string][] = [
  ['0', 'ISO8583_ERR_MTI'],
  ['2', 'ISO8583_ERR_FIELD_TYPE'],
  ['3', 'ISO8583_ERR_FIELD_TOO_LONG'],
  ['4', 'ISO8583_ERR_FIELD_TYPE'],
  ['35', 'ISO8583_ERR_FIELD_VALUE'],
  ['41', 'ISO8583_ERR_FIELD_VALUE'],
  ['52', 'ISO8583_ERR_FIELD_TYPE'],
  ['64', 'ISO8583_ERR_FIELD_TOO_SHORT'],
  ['129', 'ISO8583_ERR_FIELD_ID'],
  ['abc', 'ISO8583_ERR_FIELD_ID'],
  ['07', 'ISO8583_ERR_FIELD_ID'],
  ['28', 'ISO8583_ERR_FIELD_TYPE'],
  ['44', 'ISO8583_ERR_FIELD_VALUE'],
  ['411111...', 'ISO8583_ERR_FIELD_ID'],
];

function sorted(problems: FieldProblem[]): [string, string][] {
  return problems.map((p): [string, string] => [p.field, p.code]).sort((a, b) => a[0].localeCompare(b[0]));
}

for (const dialect of ['iso87ascii', 'iso87binary']) {
  test(`validation – ${dialect}: pack names every offending field at once, each with its code`, () => {
    const codec = createCodec(dialect);
    let caught: unknown;
    try {
      codec.pack(BAD);
    } catch (err) {
      caught = err;
    }
    assert.ok(isIso8583Error(caught));
    assert.equal(caught.code, 'ISO8583_ERR_INVALID_MESSAGE');
    assert.deepEqual(sorted(caught.problems ?? []), [...EXPECTED].sort((a, b) => a[0].localeCompare(b[0])));
    for (const [field] of EXPECTED) assert.ok(caught.message.includes(field), field);
    assert.ok(!caught.message.includes(PAN), 'the PAN must not appear in the error text');
    assert.ok(!JSON.stringify(caught.toJSON()).includes(PAN), 'nor in its JSON form');
    assert.ok(!caught.message.includes('ten') && !caught.message.includes('1234567'), 'no value in the text');
    assert.deepEqual(sorted(codec.validate(BAD)), sorted(caught.problems ?? []));
  });
}

test('validation – a JSON number is accepted for any field: its decimal text, padded as the field\'s type pads', () => {
  const codec = createCodec('iso87ascii');
  const decoded = codec.unpack(codec.pack({ '0': 800, '11': 42, '41': 992468, '42': 124642124643 }));
  assert.equal(decoded['0'], '0800');
  assert.equal(decoded['11'], '000042');
  assert.equal(decoded['41'], '992468  ');
  assert.equal(decoded['42'], '124642124643   ');
});

test('validation – the JSON view reads a 3-digit MTI as 0800; anything else stays an MTI problem', () => {
  assert.equal(fromObject({ '0': '800', '3': 0 })['0'], '0800');
  assert.equal(fromObject({ '0': 200 })['0'], '0200');
  assert.equal(fromJson('{"0":"0810","1":"ignored"}')['1'], undefined);
  const codec = createCodec('iso87ascii');
  for (const mti of ['80', '08000', 'x800']) {
    assert.deepEqual(codec.validate(fromObject({ '0': mti })).map((p) => p.code), ['ISO8583_ERR_MTI'], mti);
  }
});

test('validation – a valid message has no problems, and pack agrees', () => {
  const codec = createCodec('iso87ascii');
  const message = { '0': '0200', '2': PAN, '3': '000000', '4': 1000, '11': 1, '41': 'TERM0001', '49': '840' };
  assert.deepEqual(codec.validate(message), []);
  assert.ok(codec.pack(message).length > 0);
});

test('validation – a field the dialect does not define is ISO8583_ERR_FIELD_UNKNOWN', () => {
  const codec = createCodec({
    name: 'small',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: { '11': { name: 'STAN', type: 'n', length: 6, encoding: 'ascii' } },
  });
  assert.deepEqual(sorted(codec.validate({ '0': '0800', '11': '1', '12': '120000' })), [['12', 'ISO8583_ERR_FIELD_UNKNOWN']]);
});

test('validation – a missing MTI is named', () => {
  const codec = createCodec('iso87ascii');
  assert.deepEqual(sorted(codec.validate({ '11': '000001' })), [['0', 'ISO8583_ERR_MTI']]);
  assert.throws(() => codec.pack({ '11': '000001' }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
});

test('validation – a value too long is refused, never truncated', () => {
  const codec = createCodec('iso87ascii');
  assert.deepEqual(sorted(codec.validate({ '0': '0200', '2': '41111111111111111111' })), [['2', 'ISO8583_ERR_FIELD_TOO_LONG']]);
  assert.deepEqual(sorted(codec.validate({ '0': '0200', '41': 'TERMINAL1' })), [['41', 'ISO8583_ERR_FIELD_TOO_LONG']]);
});

test('validation – a PAN in a field that fails on unpack never reaches the error text', () => {
  const codec = createCodec('iso87ascii');
  const image = Buffer.from(`0200${'4000000000000000'}16${PAN}`, 'latin1');
  // Change the length to claim 17 digits with a letter at the end: the type error must not quote the value.
  const bad = Buffer.from(`0200${'4000000000000000'}17${PAN}X`, 'latin1');
  assert.deepEqual(codec.unpack(image), { '0': '0200', '2': PAN });
  assert.throws(
    () => codec.unpack(bad),
    (err: Error & { code: string }) => err.code === 'ISO8583_ERR_FIELD_TYPE' && !err.message.includes(PAN) && !err.message.includes('X'),
  );
});

test('validation – option errors are ISO8583_ERR_OPTION naming the option', () => {
  assert.throws(() => createCodec('iso87ascii', { trailing: 'keep' as 'allow' }), { code: 'ISO8583_ERR_OPTION', field: 'trailing' });
  assert.throws(() => createCodec('iso87ascii', { lenient: 'yes' as unknown as boolean }), { code: 'ISO8583_ERR_OPTION', field: 'lenient' });
  assert.throws(() => createCodec('iso87ascii').unpack('0200' as unknown as Uint8Array), { code: 'ISO8583_ERR_OPTION', field: 'bytes' });
});

test('validation – problems inside a composite field are named by their path', () => {
  const codec = createCodec({
    name: 'composite',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: {
      '127': {
        name: 'PRIVATE',
        type: 'b',
        length: 999,
        encoding: 'binary',
        prefix: { encoding: 'ascii', digits: 3 },
        subfields: {
          bitmap: { encoding: 'binary' },
          fields: {
            '2': { name: 'A', type: 'n', length: 4, encoding: 'ascii' },
            '3': { name: 'B', type: 'an', length: 4, encoding: 'ascii' },
          },
        },
      },
    },
  });
  assert.deepEqual(sorted(codec.validate({ '0': '0200', '127': { '2': 'AB', '3': 'TOO LONG', '9': '1' } })), [
    ['127.2', 'ISO8583_ERR_FIELD_TYPE'],
    ['127.3', 'ISO8583_ERR_FIELD_TOO_LONG'],
    ['127.9', 'ISO8583_ERR_FIELD_UNKNOWN'],
  ]);
  assert.deepEqual(sorted(codec.validate({ '0': '0200', '127': 'text' })), [['127', 'ISO8583_ERR_FIELD_VALUE']]);
});

test('validation – a long value with a character above U+00FF is refused in strict and lenient mode', () => {
  const value = 'A'.repeat(40) + '€';
  for (const lenient of [false, true]) {
    const codec = createCodec('iso87ascii', { lenient });
    assert.deepEqual(sorted(codec.validate({ '0': '0200', '48': value })), [['48', 'ISO8583_ERR_FIELD_TYPE']]);
    assert.throws(() => codec.pack({ '0': '0200', '48': value }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  }
});

test('validation – a long value with a control character is refused in strict mode only', () => {
  const value = 'A'.repeat(40) + '\u0001';
  assert.throws(() => createCodec('iso87ascii').pack({ '0': '0200', '48': value }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  const lenient = createCodec('iso87ascii', { lenient: true });
  assert.equal(lenient.unpack(lenient.pack({ '0': '0200', '48': value }))['48'], value);
});

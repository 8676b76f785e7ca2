/**
 * Edges of the value encodings where pack used to send what its own unpack reads otherwise, or refuses: a pad
 * character the encoding cannot carry (refused with the dialect), an amount in a hex-form encoding (refused with the
 * dialect), hex letters in a strict BCD value (refused by pack as by unpack), and a lenient BCD value counted in bytes
 * whose F pad-side nibble unpack would drop (refused by pack).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec, dialectFromJson, isIso8583Error } from '../src/index.js';
import type { Dialect, FieldSpec, FieldType } from '../src/index.js';

function dialectWith(fields: Record<string, FieldSpec>): Dialect {
  return { name: 'edges', mti: { encoding: 'ascii' }, bitmap: { encoding: 'binary' }, fields };
}

/** The paths and reasons `createCodec` and `dialectFromJson` refuse (the same for both), or [] when both accept. */
function refused(fields: Record<string, FieldSpec>): string[] {
  const dialect = dialectWith(fields);
  const outcomes = [() => createCodec(structuredClone(dialect)), () => dialectFromJson(structuredClone(dialect) as never)].map((make) => {
    try {
      make();
      return [];
    } catch (err) {
      assert.ok(isIso8583Error(err) && err.code === 'ISO8583_ERR_DIALECT_INVALID', String(err));
      return (err.problems ?? []).map((p) => p.field).sort();
    }
  });
  assert.deepEqual(outcomes[1], outcomes[0], 'createCodec and dialectFromJson agree');
  return outcomes[0]!;
}

test('encoding edges – a hex-form field pads whole bytes: a pad.char that is no hex digit is refused with the dialect', () => {
  for (const encoding of ['binary', 'hex', 'ebcdic-hex'] as const) {
    for (const char of [' ', 'X', 'g', '\u00ff']) {
      const spec: FieldSpec = { name: 'PIN', type: 'b', encoding, length: 4, pad: { side: 'right', char } };
      assert.deepEqual(refused({ '52': spec }), ['fields.52.pad.char'], `${encoding} ${JSON.stringify(char)}`);
    }
    for (const char of ['0', 'F', 'f', '9']) {
      const codec = createCodec(dialectWith({ '52': { name: 'PIN', type: 'b', encoding, length: 4, pad: { side: 'right', char } } }));
      const back = codec.unpack(codec.pack({ '0': '0200', '52': 'AB' }));
      assert.equal(back['52'], `AB${char.toUpperCase().repeat(6)}`, `${encoding} ${char}`);
    }
  }
});

test('encoding edges – a BCD field pads with digits: a pad.char that is no digit is refused with the dialect', () => {
  for (const char of [' ', 'F', 'A', 'x']) {
    const spec: FieldSpec = { name: 'N', type: 'n', encoding: 'bcd', length: 6, pad: { side: 'left', char } };
    assert.deepEqual(refused({ '3': spec }), ['fields.3.pad.char'], JSON.stringify(char));
  }
  const codec = createCodec(dialectWith({ '3': { name: 'N', type: 'n', encoding: 'bcd', length: 6, pad: { side: 'right', char: '9' } } }));
  assert.equal(codec.unpack(codec.pack({ '0': '0200', '3': '12' }))['3'], '129999');
});

test('encoding edges – the pad.char of a text field stays any Latin-1 character', () => {
  assert.deepEqual(refused({ '43': { name: 'T', type: 'ans', encoding: 'ascii', length: 4, pad: { side: 'left', char: '*' } } }), []);
  assert.deepEqual(refused({ '43': { name: 'T', type: 'ans', encoding: 'ebcdic', length: 4, pad: { side: 'right', char: '.' } } }), []);
});

test('encoding edges – an amount (xn) in a hex-form encoding is refused with the dialect: its sign C or D is a hex digit', () => {
  // Its sign rule once padded "C1" of a 4-byte binary field to C0 00 00 01 (a value of type b would be 00 00 00 C1).
  for (const encoding of ['binary', 'hex', 'ebcdic-hex'] as const) {
    assert.deepEqual(refused({ '46': { name: 'AMT', type: 'xn', encoding, length: 4 } }), ['fields.46.encoding'], encoding);
    assert.deepEqual(refused({ '46': { name: 'AMT', type: 'xn', encoding, length: 8, prefix: { encoding: 'ascii', digits: 2 } } }), ['fields.46.encoding'], encoding);
  }
  for (const encoding of ['ascii', 'ebcdic', 'ebcdic-037', 'bcd'] as const) {
    const codec = createCodec(dialectWith({ '46': { name: 'AMT', type: 'xn', encoding, length: 9 } }));
    assert.equal(codec.unpack(codec.pack({ '0': '0200', '46': 'C100' }))['46'], 'C00000100', encoding);
  }
  // Bytes are type b: padded on the left by whole zero bytes, whatever their first hex digit.
  const bytes = createCodec(dialectWith({ '46': { name: 'B', type: 'b', encoding: 'binary', length: 4, pad: { side: 'left', char: '0' } } }));
  assert.equal(bytes.pack({ '0': '0200', '46': 'C1' }).subarray(12).toString('hex'), '000000c1');
});

/** The problems of a strict pack of `value` in field 52 (`[field, code]`), or [] when it packs. */
function packProblems(codec: ReturnType<typeof createCodec>, value: string): string[][] {
  try {
    codec.pack({ '0': '0200', '52': value });
    return [];
  } catch (err) {
    assert.ok(isIso8583Error(err) && err.code === 'ISO8583_ERR_INVALID_MESSAGE', String(err));
    assert.ok(value.length < 4 || !err.message.includes(value), 'the value is not in the error');
    return (err.problems ?? []).map((p) => [p.field, p.code]);
  }
}

test('encoding edges – strict pack of a b value in BCD refuses the hex letters its own strict unpack refuses', () => {
  const codec = createCodec(dialectWith({ '52': { name: 'PIN', type: 'b', encoding: 'bcd', length: 16 } }));
  assert.deepEqual(packProblems(codec, '1A2B3C4D5E6F7A8B'), [['52', 'ISO8583_ERR_FIELD_TYPE']]);
  assert.deepEqual(codec.validate({ '0': '0200', '52': '1A2B3C4D5E6F7A8B' }).map((p) => [p.field, p.code]), [['52', 'ISO8583_ERR_FIELD_TYPE']]);
  assert.equal(codec.unpack(codec.pack({ '0': '0200', '52': '1234567890123456' }))['52'], '1234567890123456');
  // Lenient both ways: the letters travel as nibbles A-F and come back.
  const lenient = createCodec(dialectWith({ '52': { name: 'PIN', type: 'b', encoding: 'bcd', length: 16 } }), { lenient: true });
  assert.equal(lenient.unpack(lenient.pack({ '0': '0200', '52': '1A2B3C4D5E6F7A8B' }))['52'], '1A2B3C4D5E6F7A8B');
});

test('encoding edges – types a and as in BCD are refused with the dialect: no letter travels as BCD, so nothing but "" would pack', () => {
  for (const type of ['a', 'as'] as const) {
    assert.deepEqual(refused({ '43': { name: 'T', type, encoding: 'bcd', length: 4 } }), ['fields.43.type'], type);
  }
  for (const type of ['n', 'z', 'xn', 'b', 'an', 'ans', 'ns', 'anp'] as const) {
    assert.deepEqual(refused({ '43': { name: 'T', type, encoding: 'bcd', length: 4 } }), [], type);
  }
});

test('encoding edges – BCD in every type: what strict pack sends, strict unpack reads back as it went (a relay of its own output)', () => {
  const types: FieldType[] = ['n', 'b', 'an', 'ans', 'ns', 'anp'];
  const value = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef =D'.split('')), maxLength: 12 });
  fc.assert(
    fc.property(fc.constantFrom(...types), fc.boolean(), value, (type, left, v) => {
      const spec: FieldSpec = { name: 'V', type, encoding: 'bcd', length: 12, prefix: { encoding: 'ascii', digits: 2 } };
      if (left) spec.justify = 'left';
      const codec = createCodec(dialectWith({ '52': spec }));
      if (packProblems(codec, v).length > 0) return;
      assert.equal(codec.unpack(codec.pack({ '0': '0200', '52': v }))['52'], v);
    }),
    propertyRuns(300),
  );
});

/** A lenient codec whose field 2 is BCD counted in bytes, with an F pad nibble. */
function padFCodec(justify: 'left' | 'right') {
  const spec: FieldSpec = { name: 'PAN', type: 'n', encoding: 'bcd', length: 20, justify, padNibble: 'F', prefix: { encoding: 'bcd', digits: 2, counts: 'bytes' } };
  return createCodec(dialectWith({ '2': spec }), { lenient: true });
}

test('encoding edges – lenient BCD counted in bytes with an F pad: a real F on the pad side is refused, never dropped by unpack', () => {
  const cases: [justify: 'left' | 'right', value: string][] = [['left', '12AF'], ['left', 'FF'], ['left', '12af'], ['right', 'F1'], ['right', 'fA12']];
  for (const [justify, value] of cases) {
    const codec = padFCodec(justify);
    // Once: "12AF" and "12A" both packed to 12 AF and came back "12A"; "FF" came back "F".
    try {
      codec.pack({ '0': '0200', '2': value });
      assert.fail(`${justify} ${value} packed`);
    } catch (err) {
      assert.ok(isIso8583Error(err) && err.code === 'ISO8583_ERR_INVALID_MESSAGE', String(err));
      assert.deepEqual(err.problems?.map((p) => [p.field, p.code]), [['2', 'ISO8583_ERR_FIELD_VALUE']], `${justify} ${value}`);
    }
    assert.deepEqual(codec.validate({ '0': '0200', '2': value }).map((p) => p.code), ['ISO8583_ERR_FIELD_VALUE']);
  }
  // An odd count takes the F pad itself, and a pad-side edge that is no F is no pad: both come back as they went.
  for (const [justify, value] of [['left', '12A'], ['left', 'F12'], ['left', 'FA'], ['right', 'F12'], ['right', 'AF'], ['left', '1234']] as const) {
    const codec = padFCodec(justify);
    assert.equal(codec.unpack(codec.pack({ '0': '0200', '2': value }))['2'], value, `${justify} ${value}`);
  }
});

test('encoding edges – lenient BCD counted in bytes with an F pad: every value pack sends comes back as it went', () => {
  const value = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFabcdef'.split('')), maxLength: 20 });
  fc.assert(
    fc.property(fc.constantFrom('left', 'right' as const), value, (justify, v) => {
      const codec = padFCodec(justify as 'left' | 'right');
      if (codec.validate({ '0': '0200', '2': v }).length > 0) return;
      assert.equal(codec.unpack(codec.pack({ '0': '0200', '2': v }))['2'], v.toUpperCase());
    }),
    propertyRuns(300),
  );
});

test('encoding edges – a short value of a fixed text type in BCD with no pad is too short, not "not digits" (no space pads BCD)', () => {
  for (const type of ['an', 'ans', 'ns', 'anp'] as const) {
    const spec: FieldSpec = { name: 'T', type, encoding: 'bcd', length: 6 };
    for (const lenient of [false, true]) {
      const codec = createCodec(dialectWith({ '52': spec }), { lenient });
      assert.deepEqual(packProblems(codec, '1234'), [['52', 'ISO8583_ERR_FIELD_TOO_SHORT']], `${type} lenient=${lenient}`);
      assert.deepEqual(codec.validate({ '0': '0200', '52': '1234' }).map((p) => [p.field, p.code]), [['52', 'ISO8583_ERR_FIELD_TOO_SHORT']]);
      assert.equal(codec.unpack(codec.pack({ '0': '0200', '52': '123456' }))['52'], '123456');
    }
    // A digit pad of its own still pads it.
    const padded = createCodec(dialectWith({ '52': { ...spec, pad: { side: 'left', char: '0' } } }));
    assert.equal(padded.unpack(padded.pack({ '0': '0200', '52': '1234' }))['52'], '001234');
  }
});

/**
 * BCD values whose length prefix counts bytes: an odd number of digits takes a pad nibble, and unpack reads every
 * nibble of the bytes as a digit (but the F pad of a number or of track data). Pack refuses an odd digit count where
 * that pad would come back as a digit that changes the value; elsewhere the value comes back as it went, or with a
 * leading 0 that changes no number and no amount.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { createCodec, isIso8583Error } from '../src/index.js';
import type { FieldSpec } from '../src/index.js';

type Layout = Pick<FieldSpec, 'type' | 'justify' | 'padNibble'>;

function codecFor(layout: Layout, length = 39) {
  return createCodec({
    name: 'bcd-bytes',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'binary' },
    fields: {
      '4': { name: 'V', length, encoding: 'bcd', prefix: { encoding: 'bcd', digits: 2, counts: 'bytes' }, ...layout },
    },
  });
}

/** Where the pad nibble of an odd digit count comes back as a digit that changes the value. */
function refusesOdd(layout: Layout): boolean {
  const left = layout.justify === 'left';
  const padF = layout.padNibble === 'F';
  if (layout.type === 'xn') return left || padF;
  return !padF && (left || layout.type === 'z');
}

test('BCD counted in bytes – an odd amount left-justified with pad 0 is refused naming the field (no tenfold amount)', () => {
  const codec = codecFor({ type: 'xn', justify: 'left' });
  try {
    codec.pack({ '0': '0200', '4': 'D1234567' });
    assert.fail('packed');
  } catch (err) {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_INVALID_MESSAGE');
    assert.deepEqual(err.problems?.map((p) => [p.field, p.code]), [['4', 'ISO8583_ERR_FIELD_VALUE']]);
    assert.doesNotMatch(err.message, /1234567/);
  }
  assert.deepEqual(codec.unpack(codec.pack({ '0': '0200', '4': 'D12345678' })), { '0': '0200', '4': 'D12345678' });
  assert.deepEqual(codec.validate({ '0': '0200', '4': 'C1' }).map((p) => p.code), ['ISO8583_ERR_FIELD_VALUE']);
});

test('BCD counted in bytes – an unsigned amount right-justified with pad 0 keeps its value: 1234 comes back 01234, never 10234', () => {
  const codec = codecFor({ type: 'xn' });
  // The first digit travels as the sign character: the pad of the three digits after it went between them.
  for (const amount of [1234, '1234', '0000001234']) {
    const back = codec.unpack(codec.pack({ '0': '0200', '4': amount }))['4'] as string;
    assert.equal(Number(back), 1234, `${amount} came back ${back}`);
  }
  // With no room for the leading 0 (at the maximum), the amount travels as it is and comes back the same.
  const full = createCodec({
    name: 'bcd-bytes-4',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'binary' },
    fields: { '4': { name: 'V', type: 'xn', length: 4, encoding: 'bcd', prefix: { encoding: 'bcd', digits: 2, counts: 'bytes' } } },
  });
  assert.deepEqual(full.validate({ '0': '0200', '4': '4761' }), []);
  assert.deepEqual(full.unpack(full.pack({ '0': '0200', '4': '4761' })), { '0': '0200', '4': '4761' });
  assert.deepEqual(full.unpack(full.pack({ '0': '0200', '4': '476' })), { '0': '0200', '4': '476' });
});

test('BCD counted in bytes – a value at an odd maximum (an even one for an amount) comes back: its leading 0 nibble is the pad', () => {
  const number = codecFor({ type: 'n' }, 5);
  // 12345 of at most 5 digits travels as 01 23 45: 6 nibbles, one of them the pad.
  assert.deepEqual(number.unpack(number.pack({ '0': '0200', '4': '12345' })), { '0': '0200', '4': '12345' });
  const amount = codecFor({ type: 'xn' }, 4);
  assert.deepEqual(amount.unpack(amount.pack({ '0': '0200', '4': 'C123' })), { '0': '0200', '4': 'C123' });
  // Any other digit there is a digit: over the maximum, refused naming the field.
  const over = Buffer.concat([number.pack({ '0': '0200', '4': '12345' }).subarray(0, -4), Buffer.from('03123456', 'hex')]);
  assert.throws(() => number.unpack(over), { code: 'ISO8583_ERR_LENGTH_OVER_MAX', field: '4' });
});

test('BCD counted in bytes – a 15-digit number left-justified with pad 0 is refused; with an F pad it travels', () => {
  const zero = codecFor({ type: 'n', justify: 'left' });
  // Packed often enough for the codec to compile a plan for this set of fields: the plan checks as the interpreter.
  for (let i = 0; i < 100; i++) zero.pack({ '0': '0200', '4': '4761739001010010' });
  assert.throws(() => zero.pack({ '0': '0200', '4': '476173900101001' }), { code: 'ISO8583_ERR_INVALID_MESSAGE' });
  const f = codecFor({ type: 'n', justify: 'left', padNibble: 'F' });
  assert.deepEqual(f.unpack(f.pack({ '0': '0200', '4': '476173900101001' })), { '0': '0200', '4': '476173900101001' });
});

test('BCD counted in bytes – every value up to the maximum either is refused (odd, where the pad would change it) or comes back the same (property)', () => {
  const layout = fc.record({
    type: fc.constantFrom('n', 'z', 'xn'),
    justify: fc.constantFrom('left', 'right'),
    padNibble: fc.constantFrom('0', 'F'),
  }) as fc.Arbitrary<Layout>;
  fc.assert(
    fc.property(layout, fc.constantFrom(38, 39), fc.stringMatching(/^[0-9]{1,39}$/), fc.constantFrom('C', 'D', ''), fc.boolean(), (l, length, digits, sign, number) => {
      const codec = codecFor(l, length);
      // An amount without a sign (its first character a digit) is as jPOS sends it unsigned.
      const value = l.type === 'xn' ? sign + digits : digits;
      // Up to the maximum: an odd maximum of a number (an even one of a signed amount) fills its bytes but one nibble.
      fc.pre(value.length <= length);
      // Half of the runs give the number as a number (a path of its own into the same checks).
      const input = (l.type === 'n' || (l.type === 'xn' && sign === '')) && number && digits.length < 16 ? Number(digits) : value;
      const given = typeof input === 'number' ? String(input) : input;
      const givenDigits = l.type === 'xn' ? given.length - 1 : given.length;
      // An unsigned amount whose pad needs a leading 0 written first (its first digit is the sign character): refused
      // at the maximum, where that 0 does not fit.
      const unsignedFull = l.type === 'xn' && /^[0-9]/.test(given) && !refusesOdd(l) && given.length === length;
      const refusable = givenDigits % 2 === 1 && (refusesOdd(l) || unsignedFull);
      let image: Buffer;
      try {
        image = codec.pack({ '0': '0200', '4': input });
      } catch (err) {
        assert.ok(isIso8583Error(err) && err.code === 'ISO8583_ERR_INVALID_MESSAGE');
        assert.deepEqual(err.problems?.map((p) => p.code), ['ISO8583_ERR_FIELD_VALUE']);
        assert.ok(refusable, 'refused only for an odd digit count where the pad would change it');
        return;
      }
      assert.ok(!refusable, 'packed an odd digit count where the pad changes it');
      const back = codec.unpack(image)['4'] as string;
      if (back === given) return;
      // The one difference allowed: the leading 0 of a right-justified number or amount, the same value.
      assert.equal(l.justify ?? 'right', 'right');
      assert.notEqual(l.type, 'z');
      assert.equal(back, l.type === 'xn' && /^[CD]/.test(given) ? `${given[0]}0${given.slice(1)}` : `0${given}`);
    }),
    propertyRuns(400),
  );
});

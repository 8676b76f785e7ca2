/**
 * The free-text masks cut a masked number's stars as one slice where they built each masked number as strings and
 * joined the pieces (mask-reference.ts keeps that code): the same text out, character for character,
 * on random text made of what the rule reads at its edges: card numbers and runs of every length (leading zeros,
 * 8 to 11 digits Luhn-valid or not, 12 to 19 and more), numbers in groups with every separator (`%20` and its
 * half-written `%2`), track data after a number (`=`, `D`, track 1's `^NAME^`), runs at the start and end of the text,
 * hex, characters outside Latin-1 (a lone surrogate too), numbers in loose groups (`4111.1111.1111.1111`, gaps of 4
 * separators or more) and escapes of digits (`&#52;`, `\u0034`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { maskDigitRuns, maskGroupedNumbers } from '../src/index.js';
import { referenceMask } from './mask-reference.js';

const PIECES = [
  '4111111111111111', '5413330089010434', '378282246310005', '12345674', '12345675', '0012345674', '4761', '7390',
  ' ', '-', '  ', ' - ', '\t', '+', '%20', '%2d', '%2B', '%2', '%', '=', 'D', '^', '^DOE/JOHN^', '^' + 'N'.repeat(27) + '^',
  'F4F1F1F1', '34:31:31:', '0x34, 0x31', 'word ', '€', '\ud800', 'é', '0', '000000', '123456789012', '2026-12-02', ';',
  // Loose groups and escapes of digits.
  '.', '/', '_', ',', ' - - ', '    ', '1111', '41111', '411111', '4111.1111.1111.1111', '3782/822463/10005', '1,234,567',
  '&#52;', '&#x31;', '\\u0034', '\\u0031', '\\', '&#', '&#32;',
  // Percent escapes of digits and of loose groups' separators, and a `%` escaped (a URL encoded twice).
  '%34', '%31', '%2F', '%2e', '%5F', '%2C', '%25', '&#37;',
  // Unicode digits (full-width, Arabic-Indic, mathematical), dashes, `:` and `|`, thousands and Indian grouping (the
  // Arabic marks too), a letter before them, invisible characters and combining marks, and escapes of all these.
  '４１１１', '１', '٤١١١', '\u{1d7d2}\u{1d7cf}', '–', '—', '−', '－', ':', '|', '4,111,111,111,111,111', ',111', "'111",
  '4.222.222.222.222.222', '42,22,22,22,22,222', ',22', ',222', '٬111', '،111', '٫', 'PAN', 'v', '\u200b', '\u00ad',
  '\u2060', '\ufeff', '\u0301', '&#65300;', '\\uff14', '%EF%BC%94', '&#160;', '&#8211;', '\\u2013', '%C2%A0', '&#8203;',
  '\\ud835\\udfcf', '＝', '＾', '．', '／', 'Ｄ', '％', '&#65309;',
];
const piece = fc.oneof(
  fc.constantFrom(...PIECES),
  fc.stringMatching(/^[0-9]{1,22}$/),
  fc.string({ maxLength: 3 }),
  fc.string({ unit: 'binary', maxLength: 2 }),
);
const text = fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join(''));

test('maskDigitRuns – the same text out as the masks that built each number as strings, on random text', () => {
  fc.assert(
    fc.property(text, (t) => {
      assert.equal(maskDigitRuns(t), referenceMask(t, false));
    }),
    propertyRuns(3000),
  );
});

test('maskGroupedNumbers – the same text out as the masks that built each number as strings, on random text', () => {
  fc.assert(
    fc.property(text, (t) => {
      assert.equal(maskGroupedNumbers(t), referenceMask(t, true));
    }),
    propertyRuns(3000),
  );
});

test('maskDigitRuns, maskGroupedNumbers – a text that needs more than 4 passes: the same text out, on random text around it', () => {
  // A run masked shows 4111, the first group of a number in loose groups, which masked shows the first group of the
  // next, and so on (digit-runs-loose.test.ts): what the 4th pass still changed fails closed, in both.
  const chain = '4761 7390 0101 00104111.1111.2222.333344/1111/2222/333345.1111.2222.333344/1111/2222/333345';
  fc.assert(
    fc.property(text, fc.constantFrom('', '^DOE/JOHN^2512101', '=2512101'), text, (before, track, after) => {
      const t = `${before}${chain}${track}${after}`;
      assert.equal(maskDigitRuns(t), referenceMask(t, false));
      assert.equal(maskGroupedNumbers(t), referenceMask(t, true));
    }),
    propertyRuns(1000),
  );
});

test('maskDigitRuns, maskGroupedNumbers – a masked text masked again is the same text, on random text', () => {
  fc.assert(
    fc.property(text, (t) => {
      for (const mask of [maskDigitRuns, maskGroupedNumbers]) {
        const masked = mask(t);
        assert.equal(mask(masked), masked, `${mask.name}(${JSON.stringify(t)})`);
      }
    }),
    propertyRuns(3000),
  );
});

test('maskDigitRuns – numbers at the very start and end of the text, and a text that is one number', () => {
  for (const t of ['4111111111111111', '4111111111111111=2812101', '4761 7390 0101 0010', 'x4111111111111111', '4111111111111111x', '12345674', '4761%207390%200101%200010^DOE/JOHN^1234', '4111111111111111D']) {
    assert.equal(maskDigitRuns(t), referenceMask(t, false), t);
    assert.equal(maskGroupedNumbers(t), referenceMask(t, true), t);
  }
  assert.equal(maskDigitRuns('4111111111111111'), '411111******1111');
  assert.equal(maskDigitRuns('€4761 7390 0101 0010=2812€'), '€4761 73** **** 0010=****€');
});

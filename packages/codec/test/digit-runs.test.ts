/**
 * The free-text rule of `maskDigitRuns` as properties: no run of digits that could be a PAN survives (8 to 19 digits
 * passing the Luhn check, ISO/IEC 7812-1:2017; any 12 or more), wherever it sits in a text; runs of 7 digits or fewer
 * (STANs, times, dates) come through as they are; and masking twice changes nothing. A number written in groups
 * (runs joined by gaps of 1 to 3 separators in any mix: space, tab, dash, plus, `%20`, `%2D`, `%2B`) of 13 digits or more is masked as one PAN, however
 * many card numbers it holds; fewer than 13 in groups are looked at run by run. Its cost is linear.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { luhnValid, maskDigitRuns, maskFieldValue, maskGroupedNumbers, maskPan } from '../src/index.js';
import { luhnPans } from './pan-arbitrary.js';
import { assertLinear } from './linear-cost.js';

/** `body` completed with the digit that makes it pass the Luhn check. */
/** A Luhn-valid PAN of 8 to 19 digits, the first not 0. */
const luhnPan = luhnPans();

/** Text around a run: anything but digits (and the track separators, tested on their own). */
const notDigits = fc.stringMatching(/^[^0-9=D^]{0,12}$/);

/** Every maximal run of digits of `text`. */
function runs(text: string): string[] {
  return text.match(/[0-9]+/g) ?? [];
}

/** What the rule masks: 12 or more digits after leading zeros, or 8 to 11 that pass the Luhn check. */
function panShaped(run: string): boolean {
  const significant = run.replace(/^0+/, '').length;
  return significant >= 12 || (significant >= 8 && luhnValid(run));
}

/** Every maximal chain of runs of `text` joined by gaps of 1 to 3 separators. */
function chains(text: string): string[] {
  return text.match(/[0-9]+(?:(?:[ \t+-]|%2[0dDbB]){1,3}[0-9]+)+/g) ?? [];
}

/** The digits of a chain, its escaped separators aside. */
function chainDigits(chain: string): string {
  return chain.replace(/%2[0dDbB]/g, '').replace(/[^0-9]/g, '');
}

/** `digits` cut into groups of 1 to 6 digits, the sizes taken in turn from `sizes`, joined by `separator`. */
function grouped(digits: string, sizes: number[], separator: string): string {
  const groups: string[] = [];
  for (let i = 0, k = 0; i < digits.length; k++) {
    const size = sizes[k % sizes.length] ?? 4;
    groups.push(digits.slice(i, i + size));
    i += size;
  }
  return groups.join(separator);
}

/** A number of 13 to 19 digits, Luhn-valid or not, the first not 0. */
const longNumber = fc.oneof(
  luhnPan.filter((pan) => pan.length >= 13),
  fc.tuple(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^[0-9]{12,18}$/)).map(([first, rest]) => String(first) + rest),
);
const groupSizes = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 });
const separator = fc.constantFrom(' ', '-', '  ', ' - ', '--', ' -', '\t', '+', '%20', '%2d', '%2B', ' %20');

test('luhnValid – known PANs pass, a changed digit fails, text that is not digits fails', () => {
  for (const pan of ['4111111111111111', '5555555555554444', '378282246310005', '6011000990139424', '12345674']) assert.equal(luhnValid(pan), true, pan);
  for (const other of ['4111111111111112', '12345675', '', '4111-1111', 'abc']) assert.equal(luhnValid(other), false, other);
  assert.equal(luhnValid('0012345674'), true, 'leading zeros change nothing');
});

test('maskDigitRuns – no Luhn-valid PAN of 8 to 19 digits survives, wherever it sits in a text', () => {
  fc.assert(
    fc.property(notDigits, luhnPan, notDigits, (before, pan, after) => {
      const masked = maskDigitRuns(before + pan + after);
      assert.ok(!masked.includes(pan), `${pan} survived in ${masked}`);
      assert.ok(masked.startsWith(before) && masked.endsWith(after), 'the text around it is kept');
    }),
    propertyRuns(2000),
  );
});

test('maskDigitRuns – in any text of digits and other characters, no run the rule masks is left, and twice is once', () => {
  // The openers of escapes on their own too: with the digits after them they spell escapes (`%` `76...`, `&#` `52` `;`).
  const opener = fc.constantFrom('%', '%3', '&#', ';', '\\u00', '&#x3');
  const piece = fc.oneof(luhnPan, fc.stringMatching(/^[0-9]{1,22}$/), fc.stringMatching(/^[^0-9]{1,4}$/), separator, opener);
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      const masked = maskDigitRuns(pieces.join(''));
      for (const run of runs(masked)) assert.ok(!panShaped(run), `${run} left in ${masked}`);
      for (const chain of chains(masked)) assert.ok(chainDigits(chain).length < 13, `${chain} left in ${masked}`);
      assert.equal(maskDigitRuns(masked), masked);
    }),
    propertyRuns(2000),
  );
});

test('maskDigitRuns – runs of 7 digits or fewer (a 6-digit STAN, a 4-digit time) come through unchanged', () => {
  const short = fc.oneof(fc.stringMatching(/^[0-9]{6}$/), fc.stringMatching(/^[0-9]{4}$/), fc.stringMatching(/^[0-9]{1,7}$/));
  // A gap of separators alone may join two runs into a number: up to 3 spaces or dashes in groups (tested below), up to
  // 8 with `.`, `/`, `_` or `,` among them, or 4 or more of any, in loose groups (digit-runs-loose.test.ts; `6479.855801.5295`
  // is a Luhn-valid 14-digit number). A `%` before a run reads its first two digits as a URL's escape of one character
  // (`%32` is `2`: digit-escapes.test.ts).
  const gap = fc.stringMatching(/^[^0-9]{1,6}$/).filter((g) => !/^[ \t+\-./_,]+$/.test(g) && !g.endsWith('%'));
  fc.assert(
    fc.property(fc.array(fc.tuple(short, gap), { maxLength: 10 }), (parts) => {
      const text = parts.map(([digits, between]) => digits + between).join('');
      assert.equal(maskDigitRuns(text), text);
    }),
    propertyRuns(2000),
  );
});

test('maskDigitRuns – a number of 13 to 19 digits in groups of 1 to 6 (spaces or dashes) is masked as a PAN, separators kept', () => {
  fc.assert(
    fc.property(notDigits, longNumber, groupSizes, separator, notDigits, (before, digits, sizes, sep, after) => {
      const written = grouped(digits, sizes, sep);
      const masked = maskDigitRuns(before + written + after);
      assert.ok(masked.startsWith(before) && masked.endsWith(after), 'the text around it is kept');
      const shown = masked.slice(before.length, masked.length - after.length);
      assert.equal(shown.length, written.length);
      assert.equal(chainDigits(shown.replaceAll('*', '0')).length, digits.length, 'the separators are kept, in place');
      assert.equal(shown.replace(/%2[0dDbB]/g, '').replace(/[^0-9*]/g, ''), maskPan(digits), 'first 6 and last 4 digits at most');
      assert.equal(maskDigitRuns(masked), masked);
    }),
    propertyRuns(2000),
  );
});

test('maskDigitRuns – fewer than 13 digits in groups (dates, times, phone numbers) come through unchanged', () => {
  // Up to 3 runs of up to 4 digits (12 in all) in a chain, chains cut by a letter or `:` (`.` and `,` may join loose
  // groups: digit-runs-loose.test.ts): no run or chain the rule masks.
  const chain = fc.tuple(fc.array(fc.stringMatching(/^[0-9]{1,4}$/), { minLength: 1, maxLength: 3 }), fc.constantFrom(' ', '-'));
  fc.assert(
    fc.property(fc.array(fc.tuple(chain, fc.stringMatching(/^[a-zA-Z:]{1,3}$/)), { maxLength: 8 }), (parts) => {
      const text = parts.map(([[groups, sep], gap]) => groups.join(sep) + gap).join('');
      assert.equal(maskDigitRuns(text), text);
    }),
    propertyRuns(2000),
  );
  for (const text of ['2026-12-02 10:30:00', '+44 20 7946 0958', '1 800 555 0199', 'STAN 000001 TIME 103000', '12-34-56 7890']) {
    assert.equal(maskDigitRuns(text), text);
  }
});

test('maskDigitRuns – PANs as people write them: spaces, dashes, Amex 4-6-5, with track data, next to a date', () => {
  const cases: [string, string][] = [
    ['PAN 4761 7390 0101 0010;CVV2=123', 'PAN 4761 73** **** 0010;CVV2=123'],
    ['4761-7390-0101-0010', '4761-73**-****-0010'],
    ['5413 3300 8901 0434', '5413 33** **** 0434'],
    ['3782 822463 10005', '3782 82**** *0005'],
    ['4761 7390 0101 0010=2612101', '4761 73** **** 0010=*******'],
    // A date joined to it by a space is part of the number: the safe side.
    ['2026-12-02 4761 7390 0101 0010', '2026-12-** **** **** **** 0010'],
    ['2026-12-02, 4761 7390 0101 0010', '2026-12-02, 4761 73** **** 0010'],
    // Mixed separators, double spaces, ` - `: one number.
    ['4761-7390 0101 0010', '4761-73** **** 0010'],
    ['4761  7390  0101  0010', '4761  73**  ****  0010'],
    ['4761 - 7390 - 0101 - 0010', '4761 - 73** - **** - 0010'],
    // As a URL or a form writes it, and with tabs.
    ['4761%207390%200101%200010', '4761%2073**%20****%200010'],
    ['4761+7390+0101+0010', '4761+73**+****+0010'],
    ['4761\t7390\t0101\t0010', '4761\t73**\t****\t0010'],
    // Four separators or more join loose groups: masked when the number passes the Luhn check (digit-runs-loose.test.ts).
    ['4761    7390    0101    0010', '4761    73**    ****    0010'],
    ['4761    7390    0101    0011', '4761    7390    0101    0011'],
    ['4761 7390 0101 0010=2612101 x', '4761 73** **** 0010=******* x'],
    ['%B4761 7390 0101 0010^DOE/J^2612101', '%B4761 73** **** 0010^*****^*******'],
  ];
  for (const [text, masked] of cases) assert.equal(maskDigitRuns(text), masked, text);
});

test('maskDigitRuns – two card numbers in one chain, whatever their separators and however their groups run into each other, show no more than first 6 and last 4 of the whole', () => {
  const first = '4761739001010010';
  const second = '5413330089010434';
  fc.assert(
    fc.property(groupSizes, groupSizes, separator, separator, separator, (sizesA, sizesB, sepA, sepB, between) => {
      const written = grouped(first, sizesA, sepA) + between + grouped(second, sizesB, sepB);
      const masked = maskDigitRuns(written);
      assert.equal(masked.replace(/%2[0dDbB]/g, '').replace(/[^0-9*]/g, ''), maskPan(first + second), `${written} -> ${masked}`);
    }),
    propertyRuns(2000),
  );
  // A group split across both (the second's first digits in the first's last group): the second shows its last 4 only.
  assert.equal(maskDigitRuns('4761 7390 0101 0010 5413 33-00-8901-0434'), '4761 73** **** **** **** **-**-****-0434');
  assert.equal(maskDigitRuns('4761 7390 0101 0010-5413-33 00 8901 0434'), '4761 73** **** ****-****-** ** **** 0434');
  assert.equal(maskDigitRuns('4761 7390 0101 00105413 3300 8901 0434'), '4761 73** **** ******** **** **** 0434');
});

test('maskDigitRuns, maskGroupedNumbers – digits and separators, the worst shapes: the work grows linearly from 16 to 64 KiB', () => {
  const shapes = [
    '1 ', '1-', '1 -', '1234 5-', '1   ', '12345674 ', '4761739001010010=', '4761739001010010^AB^', '1D', '123456789012 x',
    '1234567 ', '4761739 ', '1', '4761739001010010^', `4761739001010010^${'A'.repeat(30)}`,
  ];
  assertLinear(shapes, maskDigitRuns);
  assertLinear(shapes, maskGroupedNumbers);
});

test('maskDigitRuns – track data after `d`, the track 2 separator as lowercase hex writes it, is hidden as after `D`', () => {
  // Buffer#toString('hex') writes the BCD separator of a track 2 equivalent (EMV tag 57) as `d`: the expiry, service
  // code and discretionary data after it were shown.
  const cases: [string, string][] = [
    ['4761739001010010d2612101', '476173******0010d*******'],
    ['57104761739001010010d2612101123f', '571047**********0010d**********f'],
    ['4761739001010010D2612101', '476173******0010D*******'],
    // `d` without a digit after it is not a separator: a word.
    ['4761739001010010 days', '476173******0010 days'],
  ];
  for (const [text, masked] of cases) assert.equal(maskDigitRuns(text), masked, text);
  // A binary field's lowercase hex, as a caller writes it, is masked the same in maskMessage's free text.
  assert.equal(maskFieldValue('9f6b104761739001010010d2612101123f', undefined, undefined), '9f6b104761********0010d**********f');
});

test('maskDigitRuns – track data with a field left out (the separator again: `==`, `^^`, `DD`) is hidden to its end', () => {
  // A track 2 without an expiry writes its separator twice (`PAN==101...`), a track 1 `^NAME^^`; the track ended at the
  // second separator, and the data after it showed (`==25121011234` whole, `^^2512*****3456` as a number of its own).
  const cases: [string, string][] = [
    ['4111111111111111==25121011234', `411111******1111=${'*'.repeat(12)}`],
    ['PAN=4111111111111111==101123456789?', `PAN=411111******1111=${'*'.repeat(13)}?`],
    ['%B4111111111111111^DOE/JOHN^^2512101123456?', `%B411111******1111^********^${'*'.repeat(14)}?`],
    ['4111111111111111^^^2512101123456', `411111******1111^^${'*'.repeat(14)}`],
    ['5500000000000004DD1011234567890f', `550000******0004D${'*'.repeat(14)}f`],
    ['5500000000000004dD1011234567890', `550000******0004d${'*'.repeat(14)}`],
    // Track 3: its fields apart by `=`.
    [';011234567890123445=724724100000000000030300=1=0000000000000000?', `;011234********3445=${'*'.repeat(43)}?`],
  ];
  for (const [text, masked] of cases) {
    assert.equal(maskDigitRuns(text), masked, text);
    assert.equal(maskDigitRuns(masked), masked, `${text}: masked twice`);
  }
  // `D` not followed by a digit after its repeats is a word, not a separator.
  assert.equal(maskDigitRuns('4111111111111111 DDay'), '411111******1111 DDay');
  assert.equal(maskDigitRuns('4111111111111111DDay'), '411111******1111DDay');
});

test('maskDigitRuns – a PAN in groups apart by no-break spaces (U+00A0, U+202F, U+2007: a number formatted for people) is masked', () => {
  // `Intl.NumberFormat` and a page's `&nbsp;` write such spaces; each group of 4 was shown, the PAN whole.
  for (const space of ['\u00a0', '\u202f', '\u2007']) {
    const text = `card 4111${space}1111${space}1111${space}1111 ok`;
    assert.equal(maskDigitRuns(text), `card 4111${space}11**${space}****${space}1111 ok`, JSON.stringify(space));
    assert.equal(maskDigitRuns(`4111${space}1111${space}1111${space}1111=2512101`), `4111${space}11**${space}****${space}1111=*******`);
  }
  // A PAN glued to text in another script keeps that text as it is.
  assert.equal(maskDigitRuns('№ 4111\u00a01111 1111\u00a01111 ok'), '№ 4111\u00a011** ****\u00a01111 ok');
});

test('maskDigitRuns – mixed track 2 separators (`D=`, `=D`, `d=`) hide the track data after them', () => {
  assert.equal(maskDigitRuns('x 4111111111111111D=101123456789 y'), 'x 411111******1111D************* y');
  assert.equal(maskDigitRuns('x 4111111111111111=D101123456789 y'), 'x 411111******1111=************* y');
  assert.equal(maskDigitRuns('x 4111111111111111d=101123456789 y'), 'x 411111******1111d************* y');
  assert.equal(maskDigitRuns('x 4111111111111111=2512D101123456789 y'), 'x 411111******1111=***************** y');
});

test('maskDigitRuns – a PAN grouped by any Unicode space separator (thin, en, medium mathematical, ideographic) is masked', () => {
  for (const space of ['\u2009', '\u2002', '\u205f', '\u3000', '\u1680']) {
    const masked = maskDigitRuns(`card 4111${space}1111${space}1111${space}1111 ok`);
    assert.equal(masked, `card 4111${space}11**${space}****${space}1111 ok`, JSON.stringify(space));
  }
});

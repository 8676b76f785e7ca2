/**
 * Numbers in loose groups, the rule of `maskDigitRuns` as properties: digit runs joined by gaps of 1 to 8 separators
 * that are not a gap of numbers in groups (`.`, `/`, `_`, `,`, in any mix with spaces, tabs, dashes, pluses; or 4 to
 * 8 of those), every gap written alike, every group but the last of 4 to 6 digits, 13 to 19 digits in all, no group
 * before or after joined by the same gap, are masked as a PAN when they pass the Luhn check: `4111.11**.****.1111`. Amounts with thousands separators, versions, IP addresses, dates and times
 * come through as they are, and so does a number in loose groups that fails the check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { hasPanShapedRun, luhnValid, maskDigitRuns, maskFieldValue, maskGroupedNumbers, maskPan } from '../src/index.js';
import { luhnPans } from './pan-arbitrary.js';
import { assertLinear } from './linear-cost.js';

/** `body` completed with the digit that makes it pass the Luhn check. */
/** A Luhn-valid PAN of 13 to 19 digits, the first not 0. */
const pan = luhnPans(13, 19);

/** The groups card numbers are printed in: 4-4-4-..., 4-6-rest (Amex 4-6-5), 6-rest cut in 4s... */
const layout = fc.constantFrom([4], [4, 6, 6], [6, 4], [5], [4, 4, 5]);

/** `digits` cut into groups of the sizes of `sizes` in turn, the last group whatever is left (up to 6 digits). */
function groups(digits: string, sizes: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 0, k = 0; i < digits.length; k++) {
    const size = sizes[Math.min(k, sizes.length - 1)]!;
    out.push(digits.slice(i, i + size));
    i += size;
  }
  return out;
}

/** Whether `digits` is a number of 13 to 19 digits that passes the Luhn check. */
function chance(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits);
}

/** A gap that joins loose groups and not numbers in groups: a `.`, `/`, `_` or `,` in it, or 4 to 8 separators. */
const looseGap = fc.oneof(
  fc.constantFrom('.', '/', '_', ',', ' / ', ', ', '. ', ' - - ', '    ', '\t\t\t\t', '-- --', '%20%20%20%20', '________'),
  fc.stringMatching(/^[ \-./_,]{1,8}$/).filter((gap) => !/^[ -]{1,3}$/.test(gap)),
);

/** Text around a number: no digits, no separators, no track separators. */
const around = fc.stringMatching(/^[a-zA-CE-Z:;|]{0,8}$/);

test('maskDigitRuns – a PAN of 13 to 19 digits in loose groups (. / _ , or 4 to 8 separators) is masked as a PAN, its separators kept', () => {
  fc.assert(
    fc.property(around, pan, layout, looseGap, around, (before, digits, sizes, gap, after) => {
      const written = groups(digits, sizes).join(gap);
      for (const mask of [maskDigitRuns, maskGroupedNumbers]) {
        const masked = mask(before + written + after);
        assert.ok(masked.startsWith(before) && masked.endsWith(after), 'the text around it is kept');
        const shown = masked.slice(before.length, masked.length - after.length);
        assert.equal(shown.length, written.length);
        assert.equal(shown.replace(/%20/g, '').replace(/[^0-9*]/g, ''), maskPan(digits), `${written} -> ${shown}`);
        assert.equal(mask(masked), masked, 'twice is once');
      }
      assert.ok(hasPanShapedRun(written));
    }),
    propertyRuns(2000),
  );
});

test('maskDigitRuns – the PANs of the brief in loose groups, with track data, after a date', () => {
  const cases: [string, string][] = [
    ['4111.1111.1111.1111', '4111.11**.****.1111'],
    ['4111_1111_1111_1111', '4111_11**_****_1111'],
    ['5413/3300/8901/0434', '5413/33**/****/0434'],
    ['4111,1111,1111,1111', '4111,11**,****,1111'],
    ['card 4111 - - 1111 - - 1111 - - 1111 ok', 'card 4111 - - 11** - - **** - - 1111 ok'],
    ['3782.822463.10005', '3782.82****.*0005'],
    ['6011.0009.9013.9424.124', '6011.00**.****.***4.124'],
    ['4111.1111.1111.1111=2512101123', '4111.11**.****.1111=**********'],
    ['2026/12/03 4111.1111.1111.1111', '2026/12/03 4111.11**.****.1111'],
    ['4111.1111.1111.1111. Thanks', '4111.11**.****.1111. Thanks'],
    ['1,4111/1111/1111/1111,5', '1,4111/11**/****/1111,5'],
  ];
  for (const [text, masked] of cases) assert.equal(maskDigitRuns(text), masked, text);
});

test('maskDigitRuns – a number in loose groups that fails the Luhn check, or whose groups are not card groups, comes through as it is', () => {
  fc.assert(
    // `%20` aside: its `20` glued to a group is a run of its own, read by the rule for runs (`%2020741625`).
    fc.property(pan, layout, looseGap.filter((gap) => !gap.includes('%')), (digits, sizes, gap) => {
      const wrong = groups(digits.slice(0, -1) + String((Number(digits.slice(-1)) + 1) % 10), sizes);
      // Groups in a row that make 13 digits or more and pass the check by chance (a part of it) are a number the rule masks.
      fc.pre(!wrong.some((_, from) => wrong.some((__, to) => to > from && chance(wrong.slice(from, to + 1).join('')))));
      const text = wrong.join(gap);
      assert.equal(maskDigitRuns(text), text);
    }),
    propertyRuns(1000),
  );
  // Luhn-valid, but in groups no card number is printed in (3 digits, 7 or more, before the last), with gaps written
  // unlike each other, or in a list: a group before or after it joined by the same gap.
  for (const text of ['411.1111.1111.1111.1', '4111111.1111.1111', '41.1111.1111.1111.11', '1,234,567,890,128.00', '4111 1111.1111 1111',
    '4111.1111/1111_1111', 'v1.4111.1111.1111.1111', '8080,4111,1111,1111,1111', '4111,1111,1111,1111,8080', '4111    1111    1111    1111    2026']) {
    assert.equal(maskDigitRuns(text), text, text);
  }
});

test('maskDigitRuns – a list of numbers joined by one gap holds a card number only when it is the whole list', () => {
  // Lists of 5 or more 4-digit numbers: no window of them is a number in loose groups, whatever its check digit.
  const list = fc.tuple(fc.array(fc.integer({ min: 1000, max: 9999 }), { minLength: 5, maxLength: 12 }), fc.constantFrom(',', ', ', '.', '/', '_', '    ', ' - - '));
  fc.assert(
    fc.property(list, ([numbers, gap]) => {
      const text = numbers.join(gap);
      assert.equal(maskDigitRuns(text), text);
    }),
    propertyRuns(2000),
  );
});

/** Every `.`, `/`, `_` and `,` of `text` as `:`, which joins nothing: the text as the rule read it before loose groups. */
function withoutLooseSeparators(text: string): string {
  return text.replace(/[./_,:|']/g, '~');
}

test('maskDigitRuns – amounts, versions, IP addresses, dates, times, timestamps and UUIDs are read as before loose groups', () => {
  const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  // An amount of 13 digits or more grouped by thousands without a decimal part is a card number so written when it
  // passes the Luhn check (masked: digit-runs-thousands.test.ts); with one, it is read as an amount.
  const amount = fc.tuple(fc.bigInt({ min: 1000n, max: 10n ** 19n }), fc.constantFrom(',', '.', '_', "'"), fc.constantFrom('', '.00', ',50', '.5'))
    .map(([n, sep, cents]) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, sep) + (cents === '' && n >= 10n ** 12n ? '.00' : cents));
  const version = fc.array(int(0, 999), { minLength: 2, maxLength: 5 }).map((parts) => `v${parts.join('.')}`);
  const ip = fc.array(int(0, 255), { minLength: 4, maxLength: 4 }).map((parts) => parts.join('.'));
  const ips = fc.array(ip, { minLength: 2, maxLength: 4 }).map((list) => list.join(','));
  const date = fc.tuple(int(1990, 2099), int(1, 12), int(1, 28), fc.constantFrom('/', '.', '-', '_'))
    .map(([y, m, d, sep]) => [String(y), pad(m, 2), pad(d, 2)].join(sep));
  const time = fc.tuple(int(0, 23), int(0, 59), int(0, 59), int(0, 999)).map(([h, m, s, ms]) => `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)}`);
  const timestamp = fc.tuple(date, fc.constantFrom(' ', 'T'), time).map(([d, sep, t]) => d + sep + t);
  const line = fc.array(fc.oneof(amount, version, ip, ips, date, timestamp, fc.uuid()), { minLength: 1, maxLength: 6 })
    .map((parts) => parts.join(' | '));
  fc.assert(
    fc.property(line, (text) => {
      assert.equal(maskDigitRuns(text), maskDigitRuns(withoutLooseSeparators(text)).replace(/~/g, (_, at: number) => text[at]!), text);
    }),
    propertyRuns(3000),
  );
  for (const text of ['1,234,567,890,123', '1.2.3', '2026/12/03 12:24:56.123', '192.168.100.200', '10.10.10.10,10.10.10.11', '1.234.567.890.123,45', 'took 1234.567 ms']) {
    assert.equal(maskDigitRuns(text), text, text);
  }
});

test('maskDigitRuns – a number masked beside loose groups: what it shows at its ends no longer shows the card number they make with it, and twice is once', () => {
  // Found by a long run of mask-equivalence's property, masking its masked text again. Read as it is, a 16-digit run
  // is no first (or last) group of a number in loose groups, and masked it showed its last (first) 4 digits: with the
  // groups beside it, a whole card number in loose groups. A number masked before a list no longer makes it one.
  const cases: [string, string][] = [
    ['1234567890124111.1111.1111.1111', '123456******4111.11**.****.1111'],
    ['4111.1111.1111.1111000000000', '4111.11**.****.1111*****0000'],
    ['4761 7390 0101 0010.1111.1111.1111', '4761 73** **** 0010.11**.****.1111'],
    ['4111.1111.1111.11117504111111111111111', '4111.11**.****.**1175*************1111'],
    ['12345674/3782/822463/10005', '********/3782/82****/*0005'],
    ['3782/822463/10005/12345674', '3782/82****/*0005/********'],
    ['1234567890124111.1111.1111.1111=2512101', '123456******4111.11**.****.1111=*******'],
  ];
  for (const [text, masked] of cases) {
    assert.equal(maskDigitRuns(text), masked, text);
    assert.equal(maskDigitRuns(masked), masked, `${text}: twice is once`);
  }
  assert.equal(maskGroupedNumbers('4761 7390 0101 0010.1111.1111.1111'), '4761 73** **** 0010.11**.****.1111');
});

test('maskDigitRuns, maskGroupedNumbers – a text the last pass still changed fails closed: every digit starred', () => {
  // A chain: the 16-digit run (or a number in groups) masked shows its last 4 digits, `4111`, a group of its own now,
  // the first of a number in loose groups (4111.1111.2222.333344 passes the check); that masked shows the last 4 of
  // its 6-digit last group, `3344`, the first group of the next (3344/1111/2222/333345, the gap another); and so on:
  // one number a pass. Read as written, each stage's first group has 6 digits: 20 in all, no card number.
  const stage = (gap: string, last: string): string => `${gap}1111${gap}2222${gap}${last}`;
  const chain = (stages: number): string => ['.333344', '/333345', '.333344', '/333345'].slice(0, stages).map((s) => stage(s[0]!, s.slice(1))).join('');
  const allStarred = (text: string): string => text.replace(/[0-9]/g, '*');
  // Three numbers after the run: settled in the 4 passes, the rule as it is.
  assert.equal(maskDigitRuns(`1234567890124111${chain(2)}`), '123456******4111.11**.****.**3344/11**/****/**3345');
  // Four: the 4th pass still changed the text; the fifth would have masked 3344/1111/2222/333345, shown whole before.
  for (const text of [`1234567890124111${chain(3)}`, `1234567890124111${chain(4)}`, `at 2026-12-04 10:30:00 1234567890124111${chain(4)} stan 000123`]) {
    assert.equal(maskDigitRuns(text), allStarred(text), text);
    assert.equal(maskDigitRuns(maskDigitRuns(text)), maskDigitRuns(text), `${text}: twice is once`);
  }
  const grouped = `4761 7390 0101 00104111${chain(4)}`;
  assert.equal(maskGroupedNumbers(grouped), allStarred(grouped));
  assert.equal(maskDigitRuns(grouped), allStarred(grouped));
  // Track data after the number left unmasked: its digits starred, and track 1's name as the rule stars it.
  const track = `1234567890124111${chain(4)}^DOE/JOHN^2512101 and x^LONG^`;
  assert.equal(maskDigitRuns(track), `${allStarred(track.slice(0, track.indexOf('^')))}^********^******* and x^LONG^`);
});

test('maskDigitRuns, maskGroupedNumbers – loose groups, the worst shapes: the work grows linearly from 16 to 64 KiB', () => {
  const shapes = ['4111.', '4111.1111.1111.111 ', '4111 - - ', '4111        ', '1,234,', '4111/', '411111_', '4111.1111.1111.1111.', '1111.1111.1111.1111=', '4111,1111 ',
    '1234567890124111.1111.1111.1111.', '4111.1111.1111.1111000000000.', '12345674/3782/822463/10005/',
    // A chain that does not settle in 4 passes, failed closed: every digit starred.
    '1234567890124111.1111.2222.333344/1111/2222/333345.1111.2222.333344/1111/2222/333345 '];
  assertLinear(shapes, maskDigitRuns);
  assertLinear(shapes, maskGroupedNumbers);
});

test('maskFieldValue – a PAN in loose groups spelled in hex, as ASCII or EBCDIC bytes, is masked; bytes that are no separator join nothing', () => {
  const ascii = Buffer.from('4111.1111.1111.1111').toString('hex').toUpperCase();
  const ebcdic = 'F4F1F1F161F1F1F1F161F1F1F1F161F1F1F1F1';
  assert.equal(maskFieldValue(ascii, undefined, undefined), '343131312E3131****2E********2E31313131');
  assert.equal(maskFieldValue(ebcdic, undefined, undefined), 'F4F1F1F161F1F1****61********61F1F1F1F1');
  // Any other byte reads as no separator (not as `.`): EBCDIC digits in groups between binary bytes are no number.
  for (const hex of ['F4F1F1F100F1F1F1F100F1F1F1F100F1F1F1F1', 'F4F1F1F1FFF1F1F1F1A0F1F1F1F1C1F1F1F1F1']) {
    assert.equal(maskFieldValue(hex, undefined, undefined), hex, hex);
  }
});

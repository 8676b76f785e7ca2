/**
 * Card numbers written otherwise than with ASCII digits and ASCII separators: full-width digits (a phone's or a CJK
 * keyboard's), other Unicode decimal digits, groups joined by a Unicode dash (what a word processor makes of `-`), by
 * `:` or `|`, and groups of thousands as a locale formats a number. Each is masked as the same number written with
 * ASCII digits and spaces would be, its characters kept where they are shown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasPanShapedRun, maskDigitRuns, maskFieldValue, maskGroupedNumbers } from '../src/index.js';

const PAN = '4111111111111111';

/** `text` with its ASCII digits as the digits of the set whose zero is `zero`. */
function digitsOf(text: string, zero: number): string {
  return text.replace(/[0-9]/g, (d) => String.fromCodePoint(zero + Number(d)));
}

test('maskDigitRuns – a PAN written with full-width or other Unicode decimal digits is masked in place', () => {
  // Full-width (U+FF10), Arabic-Indic (U+0660), Devanagari (U+0966), mathematical bold (U+1D7CE, two UTF-16 units).
  for (const zero of [0xff10, 0x660, 0x966, 0x1d7ce]) {
    const pan = digitsOf(PAN, zero);
    const masked = maskDigitRuns(`card ${pan} ok`);
    const shown = [...pan];
    const expected = `card ${shown.slice(0, 6).join('')}${'*'.repeat(6 * (zero > 0xffff ? 2 : 1))}${shown.slice(12).join('')} ok`;
    assert.equal(masked, expected, zero.toString(16));
    assert.equal(maskFieldValue(`card ${pan} ok`, undefined, undefined), expected);
    assert.equal(hasPanShapedRun(`card ${pan} ok`), true, 'hasPanShapedRun says what maskDigitRuns masks');
  }
  assert.equal(hasPanShapedRun(digitsOf('000123', 0xff10)), false);
  // Grouped, mixed with ASCII digits, short and Luhn-valid (8 to 11), and track data after one.
  const wide = (s: string): string => digitsOf(s, 0xff10);
  assert.equal(maskDigitRuns(wide('4111 1111 1111 1111')), wide('4111 11') + '** **** ' + wide('1111'));
  assert.equal(maskGroupedNumbers(wide('4111 1111 1111 1111')), wide('4111 11') + '** **** ' + wide('1111'));
  assert.equal(maskDigitRuns(`${wide('4111')}1111${wide('11111111')}`), `${wide('4111')}11******${wide('1111')}`);
  assert.equal(maskDigitRuns(wide('12345674')), '********');
  assert.equal(maskDigitRuns(wide(`${PAN}=2512101123`)), `${wide('411111')}******${wide('1111')}=**********`);
  // A number the rule shows in ASCII is shown in any digits: a STAN, a time, a Luhn-invalid 8-digit number.
  for (const text of ['000123', '10:30:00', '12345675', '2026-12-05']) assert.equal(maskDigitRuns(wide(text)), wide(text));
});

test('maskDigitRuns – a PAN in groups joined by Unicode dashes, by : or |, or grouped by thousands is masked', () => {
  const cases: [string, string][] = [
    ['4111\u20131111\u20131111\u20131111', '4111\u201311**\u2013****\u20131111'],
    ['4111\u20141111\u20141111\u20141111', '4111\u201411**\u2014****\u20141111'],
    ['4111 \u2014 1111 \u2014 1111 \u2014 1111', '4111 \u2014 11** \u2014 **** \u2014 1111'],
    ['4111\u22121111\u22121111\u22121111', '4111\u221211**\u2212****\u22121111'],
    ['4111:1111:1111:1111', '4111:11**:****:1111'],
    ['pan|4111|1111|1111|1111|', 'pan|4111|11**|****|1111|'],
    ['4,111,111,111,111,111', '4,111,11*,***,**1,111'],
    ['4.111.111.111.111.111', '4.111.11*.***.**1.111'],
    ["4'111'111'111'111'111", "4'111'11*'***'**1'111"],
    ['card 4\u2019111\u2019111\u2019111\u2019111\u2019111.', 'card 4\u2019111\u201911*\u2019***\u2019**1\u2019111.'],
  ];
  for (const [text, masked] of cases) {
    assert.equal(hasPanShapedRun(text), true, text);
    assert.equal(maskDigitRuns(text), masked, text);
    assert.equal(maskGroupedNumbers(text), masked, text);
  }
});

test('maskDigitRuns – amounts, times and versions written with the new separators are read as before', () => {
  for (const text of [
    // An amount with a decimal part, an amount that fails the Luhn check, fewer than 13 digits.
    '1,234,567,890,128.00', '1.234.567.890.128,00', '4,111,111,111,111,111.00', '1,234,567,890,123', '123,456,789,012',
    // Groups of 3 that are not thousands (a group of 2 or 4), a list, a version, times, a MAC address.
    '4,111,111,111,11,111', '4,111,1111,111,111,111', 'v161.489.317.677.441', '10:30:00', '2026-12-05T10:30:00.123',
    '00:1a:2b:3c:4d:5e', '12|34|56|78', '1\u20132 days', '2026\u201312\u201305',
  ]) {
    assert.equal(maskDigitRuns(text), text, text);
  }
});

test('maskGroupedNumbers – a whole run with digits other than ASCII is masked: no exact form of card data is a Unicode one', () => {
  const wide = (s: string): string => digitsOf(s, 0xff10);
  // The inbound sequence logger's own PAN typed full-width, or partly: its exact forms are ASCII only.
  assert.equal(maskGroupedNumbers(`card ${wide(PAN)}`), `card ${wide('411111')}******${wide('1111')}`);
  assert.equal(maskGroupedNumbers(`card 4111${wide('1111')}11111111`), `card 4111${wide('11')}******1111`);
  assert.equal(maskGroupedNumbers(digitsOf('5413330089010434', 0x660)), `${digitsOf('541333', 0x660)}******${digitsOf('0434', 0x660)}`);
  // Short and Luhn-valid too, as maskDigitRuns; an ASCII run on its own is still left to the exact forms.
  assert.equal(maskGroupedNumbers(wide('12345674')), '********');
  assert.equal(maskGroupedNumbers(PAN), PAN);
});

test('maskDigitRuns – the cache of astral code points stays bounded however many distinct ones texts hold', async () => {
  const { astralValuesCached } = await import('../src/unicode-digits.js');
  // 5,000 distinct CJK extension B characters (two UTF-16 units each) and an astral digit so the text is read.
  const text = Array.from({ length: 5000 }, (_, k) => String.fromCodePoint(0x20000 + k)).join('') + String.fromCodePoint(0x1d7cf);
  assert.equal(maskDigitRuns(text), text);
  assert.ok(astralValuesCached() <= 1024, `${astralValuesCached()} astral code points cached`);
  // A mathematical digit read after the cache was emptied still has its value.
  const pan = digitsOf(PAN, 0x1d7ce);
  assert.equal(maskDigitRuns(pan), [...pan].slice(0, 6).join('') + '*'.repeat(12) + [...pan].slice(12).join(''));
});

test('maskDigitRuns – invisible characters between the digits or combining marks on them do not hide a PAN', () => {
  for (const hidden of ['\u200b', '\u00ad', '\u2060', '\ufeff', '\u200d', '\u0301', '\u20e3', '\u{e0020}']) {
    // Between every digit, between the groups, and once.
    const every = [...PAN].join(hidden);
    const masked = maskDigitRuns(`card ${every} ok`);
    const shown = [...PAN].map((d, k) => (k >= 6 && k < 12 ? '*' : d));
    assert.equal(masked, `card ${shown.join(hidden)} ok`, escape(hidden));
    assert.equal(maskGroupedNumbers(`card ${every} ok`), masked, escape(hidden));
    assert.equal(hasPanShapedRun(every), true);
    assert.equal(maskDigitRuns(`4111${hidden}1111${hidden}1111${hidden}1111`), `4111${hidden}11**${hidden}****${hidden}1111`, escape(hidden));
    assert.equal(maskDigitRuns(`41111${hidden}11111111111`), `41111${hidden}1******1111`, escape(hidden));
    // With full-width digits too, and track data after it.
    const wide = digitsOf(every, 0xff10);
    assert.equal(maskDigitRuns(`${wide}=2512`), `${digitsOf(shown.join(hidden), 0xff10)}=****`, escape(hidden));
  }
  // Text with such characters and no card number is kept: a word with a combining accent, a STAN, a date.
  for (const text of ['cafe\u0301 000123', '2026\u200b-12-05', 'a\u00adb 12345675']) assert.equal(maskDigitRuns(text), text);
});

test('maskDigitRuns – a PAN in Indian grouping, with the Arabic thousands marks, or with a letter before it is masked', () => {
  // 4222222222222 (13 digits) and 4111111111111111 (16) in lakh and crore groups: a first group of 1 or 2, then 2s, the last 3.
  assert.equal(maskDigitRuns('42,22,22,22,22,222'), '42,22,**,**,*2,222');
  assert.equal(maskDigitRuns('total 4,11,11,11,11,11,11,111 ok'), 'total 4,11,11,1*,**,**,*1,111 ok');
  assert.equal(maskGroupedNumbers('4,11,11,11,11,11,11,111'), '4,11,11,1*,**,**,*1,111');
  // Arabic thousands separator U+066C and Arabic comma U+060C, with ASCII or Arabic-Indic digits.
  assert.equal(maskDigitRuns('4\u066c111\u066c111\u066c111\u066c111\u066c111'), '4\u066c111\u066c11*\u066c***\u066c**1\u066c111');
  assert.equal(maskDigitRuns('4\u060c111\u060c111\u060c111\u060c111\u060c111'), '4\u060c111\u060c11*\u060c***\u060c**1\u060c111');
  const arabic = digitsOf('4\u066c111\u066c111\u066c111\u066c111\u066c111', 0x660);
  assert.equal(maskDigitRuns(arabic), `${arabic.slice(0, 8)}*\u066c***\u066c**${arabic.slice(16)}`);
  // A letter right before it: only a `v` before dots (a version) keeps it.
  assert.equal(maskDigitRuns('PAN4,111,111,111,111,111'), 'PAN4,111,11*,***,**1,111');
  assert.equal(maskDigitRuns('x4.111.111.111.111.111'), 'x4.111.11*.***.**1.111');
  assert.equal(maskDigitRuns('card4\u066c111\u066c111\u066c111\u066c111\u066c111'), 'card4\u066c111\u066c11*\u066c***\u066c**1\u066c111');
  // Kept: a version, an amount with a decimal part (also after U+066B), a chain that is not the grouping.
  for (const text of ['v161.489.317.677.441', 'v4.111.111.111.111.111', '42,22,22,22,22,222.50', '4\u066c111\u066c111\u066c111\u066c111\u066c111\u066b50',
    '42,22,22,22,22,22', '42,22,222,22,22,222', '422,22,22,22,22,222', '42,22,22,22,22,222,22', '1,42,22,22,22,22,222']) {
    assert.equal(maskDigitRuns(text), text, text);
  }
});

test('maskGroupedNumbers – what the fold masks and what the text shows are masked again together: one call settles', () => {
  // The fold masks the run 100000004111 (with the full-width digits, the last group has 6 digits: no card number);
  // its stars leave 4111.1111.1111.1111 to the text's own reading, a card number in loose groups.
  for (const tail of [digitsOf('41', 0xff10), digitsOf('41', 0x1d7ce)]) {
    const text = `100000004111.1111.1111.1111${tail}`;
    for (const mask of [maskGroupedNumbers, maskDigitRuns]) {
      const masked = mask(text);
      assert.equal(masked, `100*****4111.11**.****.1111${tail}`, mask.name);
      assert.equal(mask(masked), masked, mask.name);
    }
  }
});

test('maskDigitRuns – full-width track separators and gaps (＝, ＾, ．, ／) are read as their ASCII forms', () => {
  const wide = (s: string): string => digitsOf(s, 0xff10);
  assert.equal(maskDigitRuns(wide('4111111111111111＝2512101123')), `${wide('411111')}******${wide('1111')}＝**********`);
  assert.equal(maskDigitRuns('4111111111111111＝2512101123'), '411111******1111＝**********');
  assert.equal(maskDigitRuns('4111111111111111＾DOE/JOHN＾2512101'), '411111******1111＾********＾*******');
  assert.equal(maskDigitRuns('4111．1111．1111．1111'), '4111．11**．****．1111');
  assert.equal(maskDigitRuns('4111111111111111&#65309;2512101123'), '411111******1111&#65309;**********');
  // Kept: a date and a time written with full-width marks.
  for (const text of ['2026／12／05', wide('10：30：00')]) assert.equal(maskDigitRuns(text), text);
});

/**
 * Card numbers written as HTML, JSON or URL (percent) escapes of their digits (`&#52;&#49;...`, `&#x34;...`,
 * `\u0034...`, `\\u0034` as JSON writes a text that holds one, `%34%31...`), or with percent escapes between their groups
 * (`4111%2F1111...`), as `maskDigitRuns` reads them: the text decoded, masked by the
 * rule, each hidden digit's escape starred over its number (`&#**;`, `\u****`), nothing moved. A text with no escape
 * of a digit is read as it is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { hasPanShapedRun, maskDigitRuns, maskGroupedNumbers } from '../src/index.js';
import { luhnPans } from './pan-arbitrary.js';
import { assertLinear } from './linear-cost.js';
import { referenceMaskPass } from './mask-reference.js';

/** `body` completed with the digit that makes it pass the Luhn check. */
/** A Luhn-valid PAN of 8 to 19 digits, the first not 0. */
const pan = luhnPans();

/** The ways one character is escaped. */
const FORMS: ReadonlyArray<(c: string) => string> = [
  (c) => `&#${c.charCodeAt(0)};`,
  (c) => `&#00${c.charCodeAt(0)};`,
  (c) => `&#x${c.charCodeAt(0).toString(16)};`,
  (c) => `&#X${c.charCodeAt(0).toString(16).toUpperCase()};`,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  (c) => `\\\\u${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`,
  (c) => `%${c.charCodeAt(0).toString(16)}`,
  (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
];

/**
 * `text` with its escapes of ASCII characters decoded; `masked` (the same text masked, of the same length) read at the
 * same places: an escape of `text` whose number `masked` starred is `*`.
 */
function decoded(text: string, masked = text): string {
  const escapes = /&#([xX]?)([0-9a-fA-F]{1,7});|\\*\\u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})/g;
  let out = '';
  let copied = 0;
  for (let m = escapes.exec(text); m !== null; m = escapes.exec(text)) {
    const [escape, x, html, json, percent] = m;
    const code = html === undefined || x !== '' ? parseInt((html ?? json ?? percent)!, 16) : /^[0-9]+$/.test(html) ? Number(html) : NaN;
    if (!(code < 0x80)) continue;
    const starred = masked.slice(m.index, m.index + escape.length).includes('*');
    out += masked.slice(copied, m.index) + (starred ? '*' : String.fromCharCode(code));
    copied = m.index + escape.length;
  }
  return out + masked.slice(copied);
}

/**
 * Whether `text` holds an escape of a character beyond ASCII that is not a letter (a digit of another script, a mark,
 * an invisible character, a separator): what the masks read beyond ASCII and `decoded` leaves as written.
 */
function hasEscapeReadAsMoreThanText(text: string): boolean {
  const escapes = /&#([xX]?)([0-9a-fA-F]{1,7});|\\*\\u([0-9a-fA-F]{4})|%([0-9a-fA-F]{2})/g;
  for (let m = escapes.exec(text); m !== null; m = escapes.exec(text)) {
    const [, x, html, json, percent] = m;
    const code = html === undefined || x !== '' ? parseInt((html ?? json ?? percent)!, 16) : Number(html);
    if (code >= 0x80 && code <= 0x10ffff && !/^\p{L}$/u.test(String.fromCodePoint(code))) return true;
  }
  return false;
}

/** Text around a number: no digits, no escapes, no track separators. */
const around = fc.stringMatching(/^[a-zA-CE-Z:;| ]{0,8}$/);

test('maskDigitRuns – a PAN with its digits escaped, each in any form, is masked as the decoded text is, in place', () => {
  fc.assert(
    fc.property(around, pan, fc.array(fc.integer({ min: 0, max: FORMS.length - 1 }), { minLength: 19, maxLength: 19 }), around, (before, digits, forms, after) => {
      const written = [...digits].map((d, k) => FORMS[forms[k]!]!(d)).join('');
      for (const mask of [maskDigitRuns, maskGroupedNumbers]) {
        const masked = mask(before + written + after);
        assert.equal(masked.length, before.length + written.length + after.length, 'nothing moved');
        assert.equal(decoded(before + written + after, masked), maskDigitRuns(before + digits + after), `${written} -> ${masked}`);
        assert.equal(mask(masked), masked, 'twice is once');
      }
      assert.ok(hasPanShapedRun(written));
    }),
    propertyRuns(2000),
  );
});

/**
 * Asserts that `maskDigitRuns(text)` hides every character that one pass of the rule over the decoded text hides. One
 * pass: the passes after it mask a masked text again (digit-runs.ts), and what they find depends on the stars already
 * there (a star cuts the number a later pass would read), so the escaped text's own stars may leave them less to find.
 */
function assertHidesDecoded(text: string): void {
  const masked = maskDigitRuns(text);
  const want = referenceMaskPass(decoded(text), false);
  const got = decoded(text, masked);
  assert.equal(got.length, want.length);
  for (let k = 0; k < want.length; k++) if (want[k] === '*') assert.equal(got[k], '*', `${text}: ${masked}`);
}

test('maskDigitRuns – digits escaped or not, separators escaped or not: whatever the decoded rule hides is hidden', () => {
  const piece = fc.oneof(
    fc.tuple(pan, fc.integer({ min: -1, max: FORMS.length - 1 }), fc.integer({ min: 0, max: 3 })).map(([digits, form, every]) =>
      [...digits].map((d, k) => (form < 0 || k % (every + 1) !== 0 ? d : FORMS[form]!(d))).join('')),
    fc.constantFrom(' ', '-', '&#32;', '\\u002d', '&#61;', '=', '4111', '&#', '\\u', 'x', '&#233;', '\\u00e9', '.', '&#46;', '%2F', '%2e', '%5F', '%2C', '%20', '%', '%2', '%E9'),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
      const text = pieces.join('');
      // Escapes are decoded twice at most (`%2534`, `&#37;34`): what pieces spell only when decoded 3 times is not read.
      const twice = decoded(decoded(text));
      fc.pre(decoded(twice) === twice);
      // The reference decodes escapes of ASCII only; one beyond it that the masks read as a digit, a separator or
      // nothing (`\\u1030`, a combining mark, before digits) is another reading, checked by its own tests.
      fc.pre(!hasEscapeReadAsMoreThanText(text));
      assertHidesDecoded(text);
    }),
    propertyRuns(2000),
  );
  // Found by a long run: a second pass over the decoded text alone reads `0001.4111.379278`, the digits two masked
  // numbers show beside `.4111.`, as a number in loose groups; in the escaped text `379278` is hidden already (read as
  // it is, `379278005` passes the check), and no such number is there to find.
  const html = (digits: string): string => [...digits].map((d) => `&#${d.charCodeAt(0)};`).join('');
  assertHidesDecoded(`${html('45793660490001')}&#46;4111.379278005${html('10000008')}`);
});

test('maskDigitRuns – an escape of a letter whose number runs into digits: each reading hides what the other would show', () => {
  // Found by the property above (a CI's seed): `%76` is `v`; read as it is, `76010000008` is an 11-digit PAN that
  // shows `0008`; read decoded, `v010000008` is a 9-digit one the rule hides whole.
  assert.equal(maskDigitRuns('%76010000008'), '%76*********');
  assert.equal(maskDigitRuns('\\u0076010000008'), '\\u0076*********');
  assert.equal(maskDigitRuns('%76010000008=2512'), '%76*********=****');
  // Read as it is, `76` is a first group of a list, which no loose PAN is part of; read decoded, the PAN stands alone.
  assert.equal(maskDigitRuns('%76.4111.1111.1111.1111'), '%76.4111.11**.****.1111');
  assert.equal(maskGroupedNumbers('%76.4111.1111.1111.1111'), '%76.4111.11**.****.1111');
  // A letter's escape that ends in a hex letter, or is followed by no digit, changes nothing: no decoded reading.
  for (const text of ['%4A1234567x', '%76 cut', 'x%41%42y 2026']) assert.equal(maskDigitRuns(text), text, text);
});

test('maskDigitRuns – the decoded reading cuts a run the first reading saw whole: the run so cut is masked too, and twice is once', () => {
  // Found by a long run of digit-runs' property (`%`, `&#`, `;` among its pieces): read as it is, the 11 digits
  // `76541333008` fail the check and are shown; read decoded (`%76` is `v`, `%39` is `9`), `5413330089010434` shows
  // `541333` and `0434`; together they showed `%76541333***`, whose `76541333` is an 8-digit run that passes the check:
  // a masked text the rule masks again.
  const cases: [string, string][] = [
    ['%76541333008%39010434', '%***********%********'],
    ['%2588136809%300000008', '%**********%*****0008'],
    ['%22741961003%3000000', '%***********%***0000'],
    [' %207031120%300000000', ' %*********%*****0000'],
  ];
  for (const [text, masked] of cases) {
    assert.equal(maskDigitRuns(text), masked, text);
    assert.equal(maskDigitRuns(masked), masked, `${text}: twice is once`);
    assert.ok(!hasPanShapedRun(masked), `${text}: no run left that the rule masks`);
  }
});

test('maskDigitRuns – an escape of a character an escape is written with, decoded, completes an escape beside it', () => {
  // Found by a long run of the property above with escapes of every ASCII character among its pieces: `&#66;` is `B`,
  // and `%2B` a `+` that joins 13 digits in groups; no escape of a digit or of a character the rule reads was there.
  assert.equal(maskDigitRuns('0000000000%2&#66;000'), '0000*****0%2&#66;000');
  assert.equal(maskDigitRuns('4111 1111%2&#x44;1111 1111'), '4111 11**%2&#x44;**** 1111');
  // `&&#35;52;` is `&#52;`, a `4`, once decoded: the PAN shows its first 6 digits, not 7 (read as it is, the 15 digits
  // after `;` show their first 6).
  assert.equal(maskDigitRuns('&&#35;52;111111111111111'), '&&#35;52;11111******1111');
});

test('maskDigitRuns – the escaped PANs of the brief, an escaped track, and text with escapes of no digit', () => {
  const pan = '4111111111111111';
  const html = [...pan].map((d) => `&#${d.charCodeAt(0)};`).join('');
  const hex = [...pan].map((d) => `&#x${d.charCodeAt(0).toString(16)};`).join('');
  const json = [...pan].map((d) => `\\u00${d.charCodeAt(0).toString(16)}`).join('');
  assert.equal(maskDigitRuns(`pan ${html}`), `pan ${html.slice(0, 30)}${'&#**;'.repeat(6)}${html.slice(-20)}`);
  assert.equal(maskDigitRuns(hex), `${hex.slice(0, 36)}${'&#x**;'.repeat(6)}${hex.slice(-24)}`);
  assert.equal(maskDigitRuns(`"${json}"`), `"${json.slice(0, 36)}${'\\u****'.repeat(6)}${json.slice(-24)}"`);
  assert.equal(maskDigitRuns(JSON.stringify(json)), JSON.stringify(maskDigitRuns(json)), 'as JSON writes it: \\\\u0034');
  // A track after an escaped PAN: `&#61;` is `=`.
  assert.equal(decoded(`${html}&#61;2512101`, maskDigitRuns(`${html}&#61;2512101`)), '411111******1111=*******');
  // Percent escapes (a URL in a log line or an error text): digits, and separators of loose groups between groups.
  const percent = [...pan].map((d) => `%${d.charCodeAt(0).toString(16)}`).join('');
  assert.equal(maskDigitRuns(`GET /cards/${percent}`), `GET /cards/${percent.slice(0, 18)}${'%**'.repeat(6)}${percent.slice(-12)}`);
  for (const gap of ['%2F', '%2E', '%5F', '%2C', '%2f%2F']) {
    assert.equal(maskDigitRuns(`/cards/4111${gap}1111${gap}1111${gap}1111`), `/cards/4111${gap}11**${gap}****${gap}1111`, gap);
    assert.equal(maskGroupedNumbers(`/cards/4111${gap}1111${gap}1111${gap}1111`), `/cards/4111${gap}11**${gap}****${gap}1111`, gap);
  }
  assert.ok(hasPanShapedRun(percent));
  // Encoded twice: a URL encoded again (`%2534`), a URL's `%` as an HTML reference (`&#37;34`).
  const twice = percent.replaceAll('%', '%25');
  assert.equal(maskDigitRuns(twice), `${twice.slice(0, 30)}${'%25**'.repeat(6)}${twice.slice(-20)}`);
  const inHtml = percent.replaceAll('%', '&#37;');
  assert.equal(maskDigitRuns(inHtml), `${inHtml.slice(0, 42)}${'&#37;**'.repeat(6)}${inHtml.slice(-28)}`);
  // Escapes of no digit change nothing: a text with none is read as it is.
  for (const text of ['caf&#233; 12345675 &amp; \\u00e9 1234', 'x &#52; y 12', '&#52;&#49;&#49;&#49;', '\\u0034 &#x31; 2026-12-03', 'a 50% cut %2F2026%2F12%2F03 %41%42 %34%31%31 100%']) {
    assert.equal(maskDigitRuns(text), text, text);
  }
});

test('maskDigitRuns, maskGroupedNumbers – escapes, the worst shapes: the work grows linearly from 16 to 64 KiB', () => {
  const shapes = ['&#52;', '\\u0034', '&#x34;', '&#', '\\u', '&#52;&#49;&#49;&#49; ', '\\\\\\\\u0034', '&#5', '&#233;', '\\u00e9 1', '&#52;1', '%34', '%', '%2F1', '%34%31%31%31%2F'];
  assertLinear(shapes, maskDigitRuns);
  assertLinear(shapes, maskGroupedNumbers);
});

const PAN_TEXT = '4111111111111111';

test('maskDigitRuns – escapes of what the rule reads beyond ASCII: Unicode digits, spaces and dashes, invisible characters', () => {
  const wide = [...PAN_TEXT].map((d) => String.fromCharCode(0xff10 + Number(d)));
  const spelled = (form: (c: string) => string): string => wide.map(form).join('');
  // Each digit a full-width digit escaped: HTML decimal and hex, JSON, and percent-encoded UTF-8.
  const html = spelled((c) => `&#${c.charCodeAt(0)};`);
  assert.equal(maskDigitRuns(html), `${html.slice(0, 6 * 8)}${'&#*****;'.repeat(6)}${html.slice(12 * 8)}`);
  const hex = spelled((c) => `&#x${c.charCodeAt(0).toString(16)};`);
  assert.equal(maskDigitRuns(hex), `${hex.slice(0, 6 * 8)}${'&#x****;'.repeat(6)}${hex.slice(12 * 8)}`);
  const json = spelled((c) => `\\u${c.charCodeAt(0).toString(16)}`);
  assert.equal(maskDigitRuns(json), `${json.slice(0, 6 * 6)}${'\\u****'.repeat(6)}${json.slice(12 * 6)}`);
  const utf8 = spelled((c) => encodeURIComponent(c));
  assert.equal(maskDigitRuns(utf8), `${utf8.slice(0, 6 * 9)}${'%**%**%**'.repeat(6)}${utf8.slice(12 * 9)}`);
  // A mathematical digit as JSON writes it: a surrogate pair.
  const pair = [...PAN_TEXT].map((d) => {
    const c = String.fromCodePoint(0x1d7ce + Number(d));
    return `\\u${c.charCodeAt(0).toString(16)}\\u${c.charCodeAt(1).toString(16)}`;
  }).join('');
  assert.equal(maskDigitRuns(pair), `${pair.slice(0, 6 * 12)}${'\\u****\\u****'.repeat(6)}${pair.slice(12 * 12)}`);
  // Groups joined by an escaped no-break space or en dash, or with invisible characters escaped between them.
  for (const gap of ['&#160;', '&#xa0;', '&#8239;', '&#8211;', '\\u2013', '\\u00a0', '%C2%A0', '%E2%80%93', '&#8203;', '\\u200b', '&#173;', '%E2%81%A0', '\\ufeff']) {
    const text = `card 4111${gap}1111${gap}1111${gap}1111 ok`;
    const masked = maskDigitRuns(text);
    assert.equal(masked, `card 4111${gap}11**${gap}****${gap}1111 ok`, gap);
    assert.equal(maskGroupedNumbers(text), masked, gap);
    assert.equal(maskDigitRuns(masked), masked, gap);
  }
  // An escape of a character the rule does not read is no separator: `&#233;` (é) still cuts the number.
  assert.equal(maskDigitRuns('4111&#233;1111&#233;1111&#233;1111'), '4111&#233;1111&#233;1111&#233;1111');
  // A reference beyond U+10FFFF is no character: text, no throw.
  assert.equal(maskDigitRuns('&#x300000;&#9999999;4111'), '&#x300000;&#9999999;4111');
  // A percent escape that is no UTF-8 sequence is read alone, as before.
  assert.equal(maskDigitRuns('%C2%341111'), '%C2%341111');
});

test('maskDigitRuns – HTML named references between the groups, and a text HTML-escaped twice (&amp;#52;)', () => {
  for (const gap of ['&nbsp;', '&ndash;', '&mdash;', '&minus;', '&thinsp;', '&shy;', '&ZeroWidthSpace;', '&zwj;', '&period;', '&sol;', '&comma;']) {
    const text = `card 4111${gap}1111${gap}1111${gap}1111 ok`;
    const masked = maskDigitRuns(text);
    assert.equal(masked, `card 4111${gap}11**${gap}****${gap}1111 ok`, gap);
    assert.equal(maskGroupedNumbers(text), masked, gap);
    assert.equal(maskDigitRuns(masked), masked, gap);
  }
  const twice = [...PAN_TEXT].map((d) => `&amp;#${d.charCodeAt(0)};`).join('');
  assert.equal(maskDigitRuns(twice), `${twice.slice(0, 6 * 9)}${'&amp;#**;'.repeat(6)}${twice.slice(12 * 9)}`);
  // Track data after a PAN, its separator named: hidden, the name of a hidden separator starred whole.
  assert.equal(maskDigitRuns('4111111111111111&equals;2512101'), '411111******1111&equals;*******');
  // A name the rule does not read, or no name, is text: `&copy;` cuts the number as `©` would.
  assert.equal(maskDigitRuns('4111&copy;1111&copy;1111&copy;1111 &nbsp &;'), '4111&copy;1111&copy;1111&copy;1111 &nbsp &;');
});

test('maskDigitRuns – a URL encoded three times (%252534) and the %u0034 escapes of JavaScript escape() are read', () => {
  const pan = '4111111111111111';
  const percent = [...pan].map((d) => `%${d.charCodeAt(0).toString(16)}`).join('');
  const thrice = percent.replaceAll('%', '%2525');
  assert.equal(maskDigitRuns(`GET /c/${thrice}`), `GET /c/${thrice.slice(0, 42)}${'%2525**'.repeat(6)}${thrice.slice(-28)}`);
  // An HTML reference of a URL's `%`, encoded again: `&#37;2534`.
  const mixed = percent.replaceAll('%', '&#37;25');
  assert.doesNotMatch(decodedDigits(maskDigitRuns(mixed)), /4111111111111111/);
  const u = [...pan].map((d) => `%u00${d.charCodeAt(0).toString(16)}`).join('');
  assert.equal(maskDigitRuns(`escape(${u})`), `escape(${u.slice(0, 36)}${'%u****'.repeat(6)}${u.slice(-24)})`);
  assert.equal(maskDigitRuns(u.toUpperCase()), `${u.toUpperCase().slice(0, 36)}${'%U****'.repeat(6)}${u.toUpperCase().slice(-24)}`);
  // `%u2013` (an en dash) and `%u0020` between the groups; full-width digits as `%uFF14`, a surrogate pair.
  assert.equal(maskDigitRuns('4111%u20131111%u20131111%u20131111'), '4111%u201311**%u2013****%u20131111');
  assert.equal(maskDigitRuns('4111%u00201111%u00201111%u00201111'), '4111%u002011**%u0020****%u00201111');
  const wide = [...pan].map((d) => `%uFF1${d}`).join('');
  assert.equal(maskDigitRuns(wide), `${wide.slice(0, 36)}${'%u****'.repeat(6)}${wide.slice(-24)}`);
  const units = (c: string): string => [0, 1].map((k) => `%u${c.charCodeAt(k).toString(16).toUpperCase()}`).join('');
  const math = [...pan].map((d) => units(String.fromCodePoint(0x1d7ce + Number(d)))).join('');
  assert.ok(math.startsWith('%uD835%uDFD2'), math);
  assert.equal(maskDigitRuns(math), `${math.slice(0, 72)}${'%u****'.repeat(12)}${math.slice(-48)}`);
  // Not escapes: `%u` without 4 hex digits, a percentage; a triple-encoded STAN.
  for (const text of ['100%u 12', '%u12 %uzzzz 4111', `stan ${'%2525' + '31'}%25253${'2'}%2525${'33'}`]) assert.equal(maskDigitRuns(text), text, text);
});

/** The digits a masked text still shows once its `&#37;` and `%25` are read: what a reader of the log would see. */
function decodedDigits(text: string): string {
  let out = text;
  for (let k = 0; k < 3; k++) out = out.replaceAll('&#37;', '%').replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  return out;
}

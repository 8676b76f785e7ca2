/**
 * A card number typed in full-width (or other Unicode decimal) digits, then dumped as hex: the hex of its UTF-8 bytes
 * (`EF BC 94 ...`) or of its UTF-16 code units (`FF14 ...`, or their little-endian bytes `14FF ...`), in free text.
 * The free-text masks read such a stretch of hex as the text it spells and star each hidden character's hex digits,
 * as they do for the hex of ASCII and EBCDIC digits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hexPanRuns, maskDigitRuns, maskFieldValue, maskMessage } from '../src/index.js';
import { spelledUnit } from '../src/hex-unicode.js';
import { assertLinear } from './linear-cost.js';

const PAN = '4111111111111111';
const WIDE = PAN.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));

/** UTF-16 code units as they are written, 4 hex digits each. */
function unitsHex(text: string, little = false): string[] {
  const hex = little ? Buffer.from(text, 'utf16le').toString('hex') : [...text].map((c) => c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
  return hex.toUpperCase().match(/..../g)!;
}

/** What a mask of free text shows of `text`, and `expected` with its hidden characters' hex as stars. */
function free(text: string): string {
  return maskFieldValue(text, undefined, undefined);
}

test('maskFieldValue – the hex of a full-width PAN as UTF-8 bytes is masked, each hidden character 3 bytes of stars', () => {
  const bytes = Buffer.from(WIDE, 'utf8').toString('hex').toUpperCase().match(/../g)!;
  assert.equal(bytes.length, 48);
  const shown = (sep: string): string => [...bytes.slice(0, 18), ...Array<string>(18).fill('**'), ...bytes.slice(36)].join(sep);
  for (const sep of ['', ' ', ':']) {
    assert.equal(free(`dump ${bytes.join(sep)} end`), `dump ${shown(sep)} end`, JSON.stringify(sep));
  }
  // At an odd position, inside a word; lowercase.
  const odd = `x0${bytes.join('').toLowerCase()}`;
  assert.doesNotMatch(free(odd), /efbc91efbc91efbc91efbc91efbc91efbc91efbc91efbc91efbc91efbc91efbc91/);
  // The message masks see it in a private field.
  assert.equal(maskMessage({ '48': bytes.join(' ') })['48'], shown(' '));
});

/**
 * Checks the mask of UTF-16 code units `units` (written `lead + units.join(sep)`): each unit but the first 6 and last 4
 * has its value byte (`14` of `FF14`) starred, and the first 6 and last 4 are shown. Read a byte off as well (the
 * other byte order from the third hex digit), a reading may star a byte more (`FF**`, `**11`): the safe side.
 */
function assertUnitsMasked(units: string[], little: boolean, lead: string, sep: string): void {
  const masked = free(lead + units.join(sep));
  assert.ok(masked.startsWith(lead + units.slice(0, 6).join(sep) + sep), masked);
  const hex = masked.slice(lead.length).replaceAll(sep, '');
  for (let k = 6; k < units.length - 4; k++) {
    const value = little ? hex.slice(4 * k, 4 * k + 2) : hex.slice(4 * k + 2, 4 * k + 4);
    assert.equal(value, '**', `unit ${k} of ${masked}`);
  }
  assert.ok(hex.endsWith(units.slice(-3).join('')), masked);
}

test('maskFieldValue – the hex of a full-width PAN as UTF-16 code units (either byte order) is masked', () => {
  for (const little of [false, true]) {
    const units = unitsHex(WIDE, little);
    const shown = [...units.slice(0, 6), ...Array<string>(6).fill('****'), ...units.slice(12)];
    for (const sep of ['', ' ']) assert.equal(free(units.join(sep)), shown.join(sep), `${little} ${JSON.stringify(sep)}`);
    // Offset by one to three hex digits.
    for (const lead of ['A', 'AB', 'ABC', 'x ']) assertUnitsMasked(units, little, lead, '');
  }
  // Track data after it, written with a full-width `＝`: hidden too.
  const track = unitsHex(`${WIDE}＝２５１２１０１`);
  assert.equal(free(track.join(' ')).split(' ').slice(17).join(' '), Array<string>(7).fill('****').join(' '));
  assertUnitsMasked(unitsHex(WIDE), false, '', ' ');
});

test('hexPanRuns – finds a full-width PAN in the hex of its UTF-8 bytes or UTF-16 code units', () => {
  const utf8 = Buffer.from(WIDE, 'utf8').toString('hex').toUpperCase();
  assert.deepEqual(hexPanRuns(`pan=${utf8};`), [utf8]);
  const utf16 = unitsHex(WIDE).join('');
  assert.ok(hexPanRuns(`pan=${utf16};`).includes(utf16));
});

test('maskFieldValue – hex of Unicode text with no digit, and short numbers, are shown as they are', () => {
  for (const text of [
    Buffer.from('ＣＡＲＤ ＮＯ ＴＥＳＴ ＯＫ', 'utf8').toString('hex'),
    unitsHex('ＣＡＲＤ ＮＯ ＴＥＳＴ ＯＫ').join(''),
    unitsHex('ＣＡＲＤ ＮＯ ＴＥＳＴ ＯＫ', true).join(' '),
    Buffer.from('１２３４５６７', 'utf8').toString('hex'),
    unitsHex('ＳＴＡＮ１２３４５６').join(' '),
  ]) assert.equal(free(text), text, text);
  assert.equal(maskDigitRuns(unitsHex(WIDE).join('')), unitsHex(WIDE).join(''), 'maskDigitRuns itself reads no hex');
});

test('maskFieldValue – hex of full-width digits, the worst shapes: the work grows linearly from 16 to 64 KiB', () => {
  assertLinear(['EFBC94', 'EF BC 91 ', 'FF14', 'FF11 ', '14FF', 'EFBC', 'D835DFD2'], free);
});

test('the readings of hex spell as `?` only characters the rule reads as none, and leave out only those it reads as nothing', () => {
  // A reading of hex as text beyond ASCII spells every character the digit-run rule reads as no digit and no separator
  // as `?`, and leaves out every invisible one (a reading of random bytes so costs one pass, not one more per fold).
  // Every such code unit of the scripts up to U+2FFF, and one in 16 after, in the shapes where a character between digits
  // matters: inside a run, between groups, after a track separator, after a letter, between every group.
  const shapes = [(c: string) => `41111111${c}11111111`, (c: string) => `4111 1111${c}1111 1111`, (c: string) => `4111111111111111=${c}2512101`,
    (c: string) => `a${c}41111111111`, (c: string) => `4111${c}1111${c}1111${c}1111`];
  /** The text masked, without the characters `c` (what is left of it: the digits and separators). */
  const masked = (text: string, c: string): string => [...maskDigitRuns(text)].filter((_, i) => c === '' || text[i] !== c).join('');
  let read = 0;
  for (let code = 0x80; code < 0x10000; code += code < 0x3000 ? 1 : 16) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const unit = spelledUnit(code);
    if (unit !== 0x3f && unit !== -1) continue;
    const c = String.fromCharCode(code);
    for (const shape of shapes) {
      read++;
      assert.equal(masked(shape(c), c), masked(shape(unit === -1 ? '' : '?'), unit === -1 ? '' : '?'), `U+${code.toString(16)} in ${shape('_')}`);
    }
  }
  assert.ok(read > 20_000, `${read} texts read`);
});

test('hexPanRuns – finds a PAN whose hex has invisible characters between its digits, or mathematical digits', () => {
  const math = [...PAN].map((d) => String.fromCodePoint(0x1d7ce + Number(d))).join('');
  const units = Buffer.from(math, 'utf16le').swap16().toString('hex').toUpperCase();
  assert.ok(hexPanRuns(`x ${units} y`).includes(units));
  for (const text of [`${WIDE.slice(0, 4)}\u200b${WIDE.slice(4)}`, `${WIDE.slice(0, 8)}\u00ad${WIDE.slice(8)}`]) {
    const hex = unitsHex(text).join('');
    assert.ok(hexPanRuns(`x ${hex} y`).includes(hex), text);
    const hidden = free(`x ${hex} y`);
    assert.ok(hidden.includes('*'.repeat(4 * 6)), hidden);
  }
  // A soft hyphen (AD) in the hex of Latin-1 bytes, between the digits of a PAN.
  const latin1 = Buffer.from(`${PAN.slice(0, 10)}\xad${PAN.slice(10)}`, 'latin1').toString('hex');
  assert.deepEqual(hexPanRuns(latin1), [latin1]);
  assert.equal(free(latin1), `343131${'*'.repeat(latin1.length - 10)}3131`);
});

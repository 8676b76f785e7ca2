/**
 * EMV field 55 errors hold no card data, and buildTlv writes only what parseTlv reads: a wrong length makes value bytes
 * look like tags, and eight PAN digits are eight hex digits, so neither may be echoed as a tag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { luhnPans } from './pan-arbitrary.js';
import { Iso8583Error, buildTlv, describableTlv, emvFromTags, emvToTags, fromJson, fromXml, maskValue, parseTlv } from '../src/index.js';
import type { EmvTags, TlvItem } from '../src/index.js';

function tlvError(fn: () => unknown): Iso8583Error {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Iso8583Error && err.code === 'ISO8583_ERR_TLV', String(err));
    return err;
  }
  assert.fail('expected ISO8583_ERR_TLV');
}

/** How deep parseTlv lets constructed tags nest (MAX_TLV_DEPTH in src/emv/tlv.ts). */
const MAX_DEPTH = 8;
const panArbitrary = fc.stringMatching(/^4[0-9]{15}$/);

test('emvFromTags – a key of eight digits (a PAN start) is named by its position, in the error and its field', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[0-9]{8}$/), (key) => {
      const err = tlvError(() => emvFromTags({ [key]: '01' }));
      assert.equal(err.field, '55.#0');
      assert.ok(!err.message.includes(key), err.message);
    }),
    propertyRuns(300),
  );
  const err = tlvError(() => emvFromTags({ '9F26': '01', '70': { '47617390': '01' } }, '55'));
  assert.equal(err.field, '55.70.#0');
  const json = JSON.stringify({ 0: '0200', 55: { 47617390: '01' } });
  assert.throws(() => fromJson(json, { emv: true }), (e: Iso8583Error) => !JSON.stringify(e).includes('47617390'));
});

test('parseTlv – after a wrong length, value bytes read as a tag are never named in the error', () => {
  const err = tlvError(() => parseTlv('5A0247617390010100105F24032512319F2701'));
  assert.equal(err.message, 'a length of more than 3 bytes (at byte 5)');
  fc.assert(
    fc.property(panArbitrary, fc.integer({ min: 1, max: 7 }), fc.constantFrom('', '70', 'E1'), (pan, short, wrap) => {
      let hex = `5A${short.toString(16).padStart(2, '0')}${pan}`;
      if (wrap !== '') hex = `${wrap}${(hex.length / 2).toString(16).padStart(2, '0')}${hex}`;
      try {
        parseTlv(hex);
      } catch (e) {
        assert.ok(e instanceof Iso8583Error);
        const tag = /^tag ([0-9A-F]+):/.exec(e.message);
        assert.ok(tag === null || ['5A', wrap].includes(tag[1]!), e.message);
      }
    }),
    propertyRuns(500),
  );
  assert.match(tlvError(() => parseTlv('9F2680')).message, /^tag 9F26: /, 'the first data object is still named');
});

/** Every number 1-3 consecutive bytes of `hex` make, big-endian: what a length read from those bytes would print. */
function numbersFrom(hex: string): Set<string> {
  const bytes = Buffer.from(hex, 'hex');
  const out = new Set<string>();
  for (let i = 0; i < bytes.length; i++) {
    let n = 0;
    for (let j = i; j < Math.min(i + 3, bytes.length); j++) out.add(String((n = n * 256 + bytes[j]!)));
  }
  return out;
}

test('parseTlv – after a short 5A, no length read from the PAN is printed (was "a value of 9315 bytes": 0x2463)', () => {
  // Amex test card 378282246310005 with its F pad: 5A01 leaves 82 24 63 10 00 5F read as tag 82, length 24 (36).
  const err = tlvError(() => parseTlv('5A01378282246310005F9F2701809F3602000A'));
  assert.ok(!/\d+ bytes runs/.test(err.message), err.message);
  fc.assert(
    fc.property(luhnPans(12, 19), fc.integer({ min: 0, max: 9 }), fc.constantFrom('', '70', 'E1'), (pan, short, wrap) => {
      const padded = pan.length % 2 === 0 ? pan : `${pan}F`;
      if (short >= padded.length / 2) return;
      let hex = `5A${short.toString(16).padStart(2, '0')}${padded}9F2701809F3602000A`;
      if (wrap !== '') hex = `${wrap}${(hex.length / 2).toString(16).padStart(2, '0')}${hex}`;
      let message: string;
      try {
        parseTlv(hex);
        return;
      } catch (e) {
        assert.ok(e instanceof Iso8583Error);
        message = e.message;
      }
      // What is left once the named tag, the offset and the fixed bounds of the texts are taken out: no number at all
      // may be one the PAN's bytes make.
      const rest = message
        .replace(/^tag [0-9A-F]+: /, '')
        .replace(/ \(at byte \d+\)$/, '')
        .replace(/more than 3 bytes|longer than 4 bytes/, '');
      const fromPan = numbersFrom(padded);
      for (const n of rest.match(/\d+/g) ?? []) assert.ok(!fromPan.has(n), `${message} (PAN ${pan})`);
    }),
    propertyRuns(1000),
  );
  assert.match(tlvError(() => parseTlv('5A08476173')).message, /^tag 5A: a value of 8 bytes runs past/, 'the first keeps its length');
});

test('buildTlv refuses what parseTlv would refuse: a constructed tag too deep, or a raw value that is not TLV', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }), fc.boolean(), (depth, raw) => {
      let items: TlvItem[] = [{ tag: 'E1', value: raw ? '5A0147' : '', ...(raw ? {} : { children: [{ tag: '5A', value: '47' }] }) }];
      for (let i = 0; i < depth; i++) items = [{ tag: 'E1', value: '', children: items }];
      let hex: string;
      try {
        hex = buildTlv(items);
      } catch (err) {
        assert.ok(err instanceof Iso8583Error && depth >= MAX_DEPTH, String(err));
        return;
      }
      assert.ok(depth < MAX_DEPTH);
      assert.ok(Array.isArray(parseTlv(hex)));
    }),
    propertyRuns(200),
  );
  const err = tlvError(() => buildTlv([{ tag: '70', value: '5A104761739001010010' }]));
  assert.equal(err.field, '55.70');
  assert.ok(!err.message.includes('4761'), err.message);
});

/** Objects of primitive tags (one-byte context tags and 9Fxx), nested once under 70 or E1. */
const tagsArbitrary: fc.Arbitrary<EmvTags> = (() => {
  const tag = fc.oneof(
    fc.integer({ min: 0x01, max: 0x1e }).map((b) => (b | 0x80).toString(16).toUpperCase()),
    fc.integer({ min: 0x01, max: 0x7f }).map((b) => `9F${b.toString(16).padStart(2, '0').toUpperCase()}`),
  );
  const value = fc.uint8Array({ maxLength: 40 }).map((v) => Buffer.from(v).toString('hex').toUpperCase());
  const flat = fc.dictionary(tag, value, { maxKeys: 6, noNullPrototype: true });
  return fc.record({ flat, nested: fc.option(fc.record({ at: fc.constantFrom('70', 'E1'), inner: flat })) }).map(({ flat: top, nested }) =>
    nested === null ? top : { ...top, [nested.at]: nested.inner },
  );
})();

test('emvFromTags then emvToTags gives back the same object of tags', () => {
  fc.assert(
    fc.property(tagsArbitrary, (tags) => {
      const hex = emvFromTags(tags);
      assert.deepEqual(emvToTags(hex), tags);
      assert.equal(emvFromTags(emvToTags(hex)!), hex, 'and the same bytes again');
    }),
    propertyRuns(500),
  );
});

test('buildTlv and emvFromTags name the bad data object by its path under the field (was "field 70": ISO field 70?)', () => {
  const nested = tlvError(() => emvFromTags({ '9F27': '80', '70': { '9F26': '123' } }));
  assert.equal(nested.field, '55.70.9F26');
  assert.equal(nested.message, 'field 55.70.9F26: the value is not hex with whole bytes');
  assert.equal(tlvError(() => emvFromTags({ '5A': { '9F27': '80' } }, '55')).field, '55.5A', 'a primitive tag with children');
  assert.equal(tlvError(() => buildTlv([{ tag: 'E1', value: '', children: [{ tag: '9F', value: '' }] }])).field, '55.E1.#0');
  assert.equal(tlvError(() => buildTlv([{ tag: '9F26', value: '1' }], '127.55')).field, '127.55.9F26', 'under the field given');
});

test('emvFromTags – an object nested thousands deep is ISO8583_ERR_TLV naming the path (was an uncoded RangeError)', () => {
  fc.assert(
    fc.property(fc.integer({ min: MAX_DEPTH + 1, max: 20_000 }), fc.constantFrom('70', '77', 'E1', '5A'), (depth, tag) => {
      let tags: EmvTags = { '9F27': '80' };
      for (let i = 0; i < depth; i++) tags = { [tag]: tags };
      const err = tlvError(() => emvFromTags(tags));
      assert.ok(err.field!.startsWith(`55.${tag}`), err.field);
      assert.ok(err.field!.split('.').length <= MAX_DEPTH + 2, 'the path is bounded');
      // The text built as the reproducer built it (JSON.stringify itself overflows the stack this deep).
      const json = `{"0":"0200","55":${`{"${tag}":`.repeat(depth)}{"9F27":"80"}${'}'.repeat(depth)}}`;
      assert.throws(() => fromJson(json, { emv: true }), (e: Iso8583Error) => e.code === 'ISO8583_ERR_INVALID_MESSAGE' && e.problems![0]!.code === 'ISO8583_ERR_TLV');
    }),
    propertyRuns(40),
  );
  let ok: EmvTags = { '9F27': '80' };
  for (let i = 0; i < MAX_DEPTH; i++) ok = { '70': ok };
  assert.ok(parseTlv(emvFromTags(ok)).length === 1, '8 constructed tags deep is still built, and read back');
});

test('describableTlv – a short 5A whose next "tags" happen to read as named ones is hidden: 5A must hold a whole PAN', () => {
  // Test-card-shaped PANs (Luhn-valid, synthetic) the review found listed: tags 80 and 50 read from PAN digits.
  const astray = [
    '5A01' + '4180191487080161' + '9F2701809F360200019F2608AABBCCDDEEFF0011',
    '5A05' + '4316196388500560' + '5F340101',
    '5A06' + '4723957976298009' + '9F02060000000010005F2A020978',
  ];
  for (const hex of astray) {
    assert.equal(describableTlv(hex), undefined, hex.slice(0, 4));
    assert.match(maskValue(hex, 'emv'), /^EMV\[\d+ bytes\]$/);
  }
  // A whole PAN (F-padded to whole bytes too) is listed as before; one too short or failing the check is not.
  assert.deepEqual(describableTlv('5A08' + '4761739001010010' + '9F270180')?.map((i) => i.tag), ['5A', '9F27']);
  assert.deepEqual(describableTlv('5A08' + '378282246310005F' + '9F270180')?.map((i) => i.tag), ['5A', '9F27']);
  assert.equal(describableTlv('5A05' + '4761739001' + '9F270180'), undefined, '10 digits');
  assert.equal(describableTlv('5A08' + '4761739001010011' + '9F270180'), undefined, 'not Luhn-valid');
  // Tag 80 (GENERATE AC response, format 1) of a length EMV gives it: CID, ATC, AC (and IAD) = 11 bytes and up.
  assert.deepEqual(describableTlv('800B' + '80' + '0001' + 'AABBCCDDEEFF0011')?.map((i) => i.tag), ['80']);
  assert.equal(describableTlv('8009' + '800001AABBCCDDEEFF'), undefined);
});

test('buildTlv builds a constructed tag of 100,000 children (was an uncoded RangeError: every child one argument of push)', () => {
  // Two-byte-number tags DF8100..DFFF7F, each empty: 3 bytes of tag and 1 of length per child.
  const tagOf = (i: number): string => 'DF' + (0x80 | ((i >> 7) & 0x7f)).toString(16).toUpperCase() + (i & 0x7f).toString(16).padStart(2, '0').toUpperCase();
  const children: TlvItem[] = [];
  for (let i = 0; i < 100_000; i++) children.push({ tag: tagOf(i % 16384), value: '' });
  const hex = buildTlv([{ tag: '70', value: '', children }]);
  assert.equal(hex.slice(0, 10), '7083061A80');
  assert.equal(hex.length, 2 * (5 + 4 * 100_000));
});

/** Whether `text` holds a run of 8 or more digits once its dots are taken out (a card number spelled along a path). */
const spellsNumber = (text: string): boolean => /[0-9]{8,}/.test(text.replaceAll('.', ''));

/** The error `fn` throws: its field (or its first problem's) and its message. */
function errorText(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    const e = err as Iso8583Error;
    return `${e.field ?? ''} ${e.message} ${JSON.stringify(e.problems ?? [])}`;
  }
  assert.fail('no error');
}

test('EMV tag paths – nested levels never spell 8 or more digits across the dots (each level names up to 4 alone)', () => {
  const tags = (...levels: string[]): string => levels.map((id) => `<tag id="${id}">`).join('');
  const close = (n: number): string => '</tag>'.repeat(n);
  const xml = (body: string): string => `<isomsg><field id="0" value="0200"/><field id="55">${body}</field></isomsg>`;
  const cases: Array<[string, () => unknown]> = [
    ['fromXml, 4-digit names', () => fromXml(xml(`${tags('4761', '7390', '0101')}<tag id="0010" type="b">9F${close(4)}`))],
    ['fromXml, tags', () => fromXml(xml(`${tags('47', '61', '73', '90', '01', '01', '00')}<tag id="10" value="">9F${close(8)}`))],
    ['emvFromTags', () => emvFromTags({ 47: { 61: { 73: { 90: { '01': { '01': { '00': { 10: 'X' } } } } } } } })],
  ];
  for (const [what, fn] of cases) {
    const text = errorText(fn);
    assert.ok(!spellsNumber(text), `${what}: ${text}`);
    assert.match(text, /#[0-9]/, `${what}: a level named by its position`);
  }
  // Constructed tags of digits only, the deepest one's value not hex: buildTlv's path and emvFromTags' alike.
  fc.assert(
    fc.property(fc.array(fc.constantFrom('20', '21', '33', '39', '60', '61', '70', '73', '77', '79'), { minLength: 1, maxLength: MAX_DEPTH - 1 }), fc.constantFrom('55', '127.55'), (levels, field) => {
      let items: TlvItem[] = [{ tag: '10', value: 'X' }];
      let object: EmvTags = { 10: 'X' };
      for (const tag of [...levels].reverse()) {
        items = [{ tag, value: '', children: items }];
        object = { [tag]: object };
      }
      for (const text of [errorText(() => buildTlv(items, field)), errorText(() => emvFromTags(object, field))]) assert.ok(!spellsNumber(text), text);
    }),
    propertyRuns(200),
  );
  // A short path keeps its tags: `55.70.9F26`, `55.47.61`.
  assert.equal(tlvError(() => emvFromTags({ 47: { 61: 'X' } })).field, '55.47.61');
});

test('EMV tag paths – full-width digits and separators inside names never spell 8 or more digits across the levels', () => {
  const wide = (s: string): string => [...s].map((c) => String.fromCharCode(c.charCodeAt(0) - 0x30 + 0xff10)).join('');
  const xml = (ids: string[]): string => {
    let inner = `<tag id="${ids[ids.length - 1] as string}" bad="x">01</tag>`;
    for (let i = ids.length - 2; i >= 0; i--) inner = `<tag id="${ids[i] as string}">${inner}</tag>`;
    return `<isomsg><field id="0" value="0200"/><field id="55">${inner}</field></isomsg>`;
  };
  for (const ids of [[wide('4111'), wide('1111'), wide('1111'), wide('1111')], ['4111-', '1111-', '1111-', '1111'], ['4111 ', '1111']]) {
    const text = errorText(() => fromXml(xml(ids)));
    // Two levels of 4 digits plus the field's 2 make 10: the second level is named by its position.
    assert.ok(!text.includes(`55.${ids[0] as string}.${ids[1] as string}`), `${ids.join('|')}: ${text}`);
    assert.match(text, /55\.[^.]+\.#0/, `${ids.join('|')}: a level named by its position`);
  }
});

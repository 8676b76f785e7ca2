import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns, readVector } from '@iso8583/test-support';
import { Iso8583Error, buildTlv, createCodec, emvFromTags, emvToTags, fromJson, fromXml, parseTlv, toJson, toXml } from '../src/index.js';
import type { TlvItem } from '../src/index.js';

/** Field 55 of the socketqueue purchase: after the MTI, bitmap and fields 3-49, a 2-byte BCD length 0130. */
const purchase = readVector('socketqueue/sv_200_purchase.bin');
const F55_OFFSET = 133;
const field55 = purchase.subarray(F55_OFFSET);

/** The data objects of that field 55, read by hand from the bytes. */
const EXPECTED: [string, string][] = [
  ['9F26', '571F1E10D4FA4AAC'],
  ['9F27', '80'],
  ['9F10', '06010A03A4B802'],
  ['9F37', '5BB07472'],
  ['9F36', '000C'],
  ['95', '0080001000'],
  ['9A', '150818'],
  ['9C', '00'],
  ['9F02', '000000001000'],
  ['5F2A', '0643'],
  ['82', '3C00'],
  ['9F1A', '0643'],
  ['9F03', '000000000000'],
  ['9F33', 'E0F0C8'],
  ['9F34', '440302'],
  ['9F35', '22'],
  ['9F1E', '3531323032383135'],
  ['84', 'A0000000031010'],
  ['9F41', '000056'],
  ['5F34', '01'],
];

function tlvError(fn: () => unknown): Iso8583Error {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Iso8583Error);
    assert.equal(err.code, 'ISO8583_ERR_TLV');
    return err;
  }
  assert.fail('expected ISO8583_ERR_TLV');
}

test('the socketqueue purchase field 55 (130 bytes, BCD length 0130) parses into its 20 data objects', () => {
  assert.equal(purchase.subarray(F55_OFFSET - 2, F55_OFFSET).toString('hex'), '0130');
  assert.equal(field55.length, 130);
  const items = parseTlv(field55);
  assert.deepEqual(
    items.map((i) => [i.tag, i.value]),
    EXPECTED,
  );
  assert.deepEqual(parseTlv(field55.toString('hex')), items, 'hex text and bytes parse alike');
});

test('buildTlv gives back the bytes that parseTlv read', () => {
  assert.equal(buildTlv(parseTlv(field55)), field55.toString('hex').toUpperCase());
});

test('lengths use the short form to 127 bytes and the 0x81, 0x82, 0x83 long forms above', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [127, '7F'],
    [128, '8180'],
    [255, '81FF'],
    [256, '820100'],
    [65535, '82FFFF'],
    [65536, '83010000'],
  ];
  for (const [length, encoded] of cases) {
    const value = 'AB'.repeat(length);
    const built = buildTlv([{ tag: 'DF01', value }]);
    assert.equal(built.slice(4, 4 + encoded.length), encoded, `length ${length}`);
    assert.deepEqual(parseTlv(built), [{ tag: 'DF01', value }]);
  }
});

test('constructed tags hold their children', () => {
  const children: TlvItem[] = [
    { tag: '5A', value: '4761739001010010' },
    { tag: '5F24', value: '301231' },
  ];
  const hex = buildTlv([{ tag: '70', value: '', children }, { tag: '9F27', value: '80' }]);
  const [record, cid] = parseTlv(hex);
  assert.equal(record!.tag, '70');
  assert.deepEqual(record!.children, children);
  assert.equal(record!.value, buildTlv(children));
  assert.deepEqual(cid, { tag: '9F27', value: '80' });
});

test('0x00 padding before, between and after data objects is skipped', () => {
  assert.deepEqual(parseTlv('00009F2701800000820200000000'), [
    { tag: '9F27', value: '80' },
    { tag: '82', value: '0000' },
  ]);
});

test('malformed TLV is refused with ISO8583_ERR_TLV and the offset', () => {
  const cases: [string, number][] = [
    ['9F', 0], // tag runs past the end
    ['9F26', 2], // no length
    ['9F2608571F1E', 2], // value shorter than its length
    ['9F2680', 2], // indefinite length
    ['9F268401000000', 2], // a 4-byte length
    ['9F2682FF', 2], // long form length bytes missing
    ['9F27018082', 5], // second object without its length
    ['9FFFFFFF01', 0], // a 5-byte tag
    ['ABC', 0], // odd hex
    ['GG', 0], // not hex
  ];
  for (const [hex, offset] of cases) {
    const err = tlvError(() => parseTlv(hex));
    assert.equal(err.offset, offset, hex);
  }
  const inner = tlvError(() => parseTlv('7005' + '5A04411111'));
  assert.equal(inner.offset, 3, 'offsets count from the start of the field, also inside a constructed tag');
});

test('TLV hex text with a character that is not a hex digit says so and where, not "an even number" (rv67h F4)', () => {
  const pan = '4111111111111111';
  const err = tlvError(() => parseTlv(`5A08${pan}ZZ`));
  assert.match(err.message, /^TLV hex text has a character that is not a hex digit \(character 21\)/);
  assert.equal(err.offset, 10);
  assert.ok(!JSON.stringify(err).includes('411111'));
  assert.match(tlvError(() => parseTlv(`5A08${pan}5`)).message, /^TLV hex text must have an even number of hex digits/);
});

test('a TLV error never contains the value', () => {
  const pan = '4111111111111111';
  const truncated = `5A10${pan}`;
  for (const data of [truncated, `70${'12'}${truncated}`, `57FF${pan}D301`]) {
    const err = tlvError(() => parseTlv(data));
    assert.ok(!err.message.includes(pan) && !err.message.includes('411111'), err.message);
    assert.ok(!JSON.stringify(err).includes('411111'));
  }
});

test('deeply nested constructed tags are refused', () => {
  let hex = '9F270180';
  for (let i = 0; i < 12; i++) hex = `70${(hex.length / 2).toString(16).padStart(2, '0')}${hex}`;
  tlvError(() => parseTlv(hex));
});

test('buildTlv refuses bad tags and values, naming the tag but not the value', () => {
  for (const tag of ['', '9', '9F', '1F', 'DF8080', '0A0B', 'XYZW', '00']) {
    tlvError(() => buildTlv([{ tag, value: '00' }]));
  }
  const err = tlvError(() => buildTlv([{ tag: '5A', value: '411111111111111' }]));
  assert.equal(err.field, '55.5A', 'the path under field 55: a bare `5A` or `70` read as an ISO field number');
  assert.equal(err.message, 'field 55.5A: the value is not hex with whole bytes');
  assert.ok(!err.message.includes('411111'));
  tlvError(() => buildTlv([{ tag: '9F27', value: '80', children: [] }]));
});

test('emvToTags and emvFromTags turn field 55 into an object of tags and back', () => {
  const tags = emvToTags(field55);
  assert.ok(tags !== undefined);
  // A JavaScript object lists integer-like keys (82, 84, 95) first, so compare as sets: order is not kept.
  const sorted = (entries: [string, unknown][]): [string, unknown][] => [...entries].sort(([a], [b]) => a.localeCompare(b));
  assert.deepEqual(sorted(Object.entries(tags)), sorted(EXPECTED));
  assert.deepEqual(
    sorted(parseTlv(emvFromTags(tags)).map((i) => [i.tag, i.value])),
    sorted(EXPECTED),
  );
  const nested = emvFromTags({ '70': { '5A': '5500000000000004' }, '9F27': '80' });
  assert.deepEqual(emvToTags(nested), { '70': { '5A': '5500000000000004' }, '9F27': '80' });
  assert.equal(emvToTags('9F2701809F270140'), undefined, 'a repeated tag cannot be an object');
  assert.equal(emvToTags('9F2608'), undefined, 'malformed data cannot be an object');
  tlvError(() => emvFromTags({ '9F27': 80 as unknown as string }));
});

test('random and mutated bytes into parseTlv give data objects or ISO8583_ERR_TLV, nothing else', () => {
  const check = (bytes: Uint8Array): void => {
    try {
      const items = parseTlv(bytes);
      assert.ok(Array.isArray(items));
    } catch (err) {
      assert.ok(err instanceof Iso8583Error && err.code === 'ISO8583_ERR_TLV', String(err));
      assert.ok(typeof err.offset === 'number' && err.offset >= 0 && err.offset <= bytes.length);
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), check), propertyRuns(1000));
  fc.assert(
    fc.property(fc.array(fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 5 }), (mutations) => {
      const bytes = Buffer.from(field55);
      for (const { at, byte } of mutations) bytes[at % bytes.length] = byte;
      check(bytes);
    }),
    propertyRuns(1000),
  );
});

test('buildTlv then parseTlv gives back any list of primitive data objects', () => {
  const tag = fc.oneof(
    fc.integer({ min: 0x01, max: 0x1e }).map((b) => (b | 0x80).toString(16).toUpperCase()),
    fc.integer({ min: 0x01, max: 0x7f }).map((b) => `9F${b.toString(16).padStart(2, '0').toUpperCase()}`),
  );
  const item = fc.record({ tag, value: fc.uint8Array({ maxLength: 300 }).map((v) => Buffer.from(v).toString('hex').toUpperCase()) });
  fc.assert(
    fc.property(fc.array(item, { maxLength: 8 }), (items) => {
      const plain = items.map(({ tag: t, value }) => ({ tag: t, value }));
      assert.deepEqual(parseTlv(buildTlv(plain)), plain);
    }),
    propertyRuns(300),
  );
});

test('emvFromTags – a key that is not a tag is named by its position, never quoted (it may be card data)', () => {
  for (const [input, field] of [
    [{ '4761739001010010=2512': 5 }, '55.#0'],
    [{ '9F26': '01', '70': { '4761739001010010': 5 } }, '55.70.#0'],
  ] as const) {
    const err = tlvError(() => emvFromTags(input as never));
    assert.equal(err.field, field);
    assert.doesNotMatch(err.message, /4761739001010010/);
  }
});

test('emvToTags and the EMV views keep field 55 as hex when showing its tags would change its bytes (a MAC over it holds)', () => {
  for (const f55 of ['5A81084761739001010010', '00005A0847617390010100109F2701800000', '708200055A03010203']) {
    assert.equal(emvToTags(f55), undefined, f55);
    assert.equal(toJson({ '0': '0200', '55': f55 }, { emv: true }), `{"0":"0200","55":"${f55}"}`);
    assert.equal(fromXml(toXml({ '0': '0200', '55': f55 }, { emv: true })).message['55'], f55);
  }
  assert.deepEqual(emvToTags('9F2603010203'), { '9F26': '010203' });
  assert.match(toXml({ '0': '0200', '55': '9F2603010203' }, { emv: true }), /<tag id="9F26">010203<\/tag>/);
});

test('the EMV views keep field 55 of text in lower case as it is: in iso87ascii (type ans) its letters are its bytes', () => {
  const codec = createCodec('iso87ascii');
  const image = codec.pack({ '0': '0200', '3': '000000', '55': '9f2602a1b2' });
  const message = codec.unpack(image);
  assert.equal(emvToTags(message['55'] as string), undefined);
  assert.deepEqual(codec.pack(fromJson(toJson(message, { emv: true }), { emv: true })), image);
  assert.deepEqual(codec.pack(fromXml(toXml(message, { emv: true })).message), image);
  // In upper case (what buildTlv writes), the tags show and come back the same bytes.
  const upper = codec.pack({ '0': '0200', '3': '000000', '55': '9F2602A1B2' });
  assert.match(toJson(codec.unpack(upper), { emv: true }), /"55":\{"9F26":"A1B2"\}/);
  assert.deepEqual(codec.pack(fromJson(toJson(codec.unpack(upper), { emv: true }), { emv: true })), upper);
});

/**
 * The keys a pack refuses, by the interpreter and by the plan of a set of keys with its compiled packer
 * (`field/pack-shapes.ts`, `field/compile-pack.ts`). A plan is chosen by the message's count of own keys
 * (`Object.values`) and its fields being there, so these are the messages that are closest to a planned one
 * (the plan's keys, one more; one swapped; the MTI missing): each must be refused with the same coded error naming
 * the key, not packed by the plan. What is not a key of the message (a symbol key) is ignored, as is an array
 * refused as a whole. A message's keys are its own enumerable string keys (as `Object.keys` gives them): an inherited
 * or non-enumerable key is no field, on every path (the plan, the interpreter, a composite's sub-fields, validate),
 * whatever the codec packed before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { Codec, IsoMessage } from '../src/index.js';
import { PURCHASE, packOutcome, plansOf, warmed } from './pack-outcome.js';
import { COMPOSITE_DIALECT } from './message-arbitrary.js';

/** A codec whose plan of the purchase's keys has its compiled packer, and one that has packed nothing. */
function codecs(): [string, Codec][] {
  const planned = warmed('iso87ascii', PURCHASE);
  const plan = plansOf(planned).plans[0];
  assert.ok(plan !== undefined && plan.compiled !== undefined, 'the purchase has a compiled plan');
  return [
    ['planned', planned],
    ['fresh', createCodec('iso87ascii')],
  ];
}

/** The purchase without `key`. */
function without(key: string): IsoMessage {
  const out: IsoMessage = { ...PURCHASE };
  delete out[key];
  return out;
}

/** The problems of a pack that must throw: its code and the fields it names, with their codes. */
function refusal(codec: Codec, message: unknown): { code: unknown; fields: string[] } {
  const out = packOutcome(codec, message) as { code?: string; problems?: { field: string; code: string }[] };
  assert.ok(out.code !== undefined, `packed: ${JSON.stringify(out)}`);
  return { code: out.code, fields: (out.problems ?? []).map((p) => `${p.field}:${p.code}`) };
}

const NOT_A_FIELD = 'ISO8583_ERR_FIELD_ID';

test('pack – a key outside the plan ("2x", "200", "02", "129") next to every key of the plan is refused and named', () => {
  for (const [who, codec] of codecs()) {
    for (const key of ['2x', '200', '02', '129', 'header']) {
      const got = refusal(codec, { ...PURCHASE, [key]: '1' });
      assert.deepEqual(got, { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: [`${key}:${NOT_A_FIELD}`] }, `${who} ${key}`);
    }
    // A field of the dialect that the plan does not have is packed (another set of keys), not refused.
    assert.equal(createCodec('iso87ascii').unpack(codec.pack({ ...PURCHASE, '5': '000000000100' }))['5'], '000000000100');
  }
});

test('pack – a key outside the plan in place of one of its fields (as many own keys as the plan) is refused and named', () => {
  for (const [who, codec] of codecs()) {
    for (const key of ['2x', '200', '1000']) {
      const message = { ...without('49'), [key]: '840' };
      assert.equal(Object.values(message).length, Object.values(PURCHASE).length);
      const got = refusal(codec, message);
      assert.deepEqual(got, { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: [`${key}:${NOT_A_FIELD}`] }, `${who} ${key}`);
    }
  }
});

test('pack – a message without the MTI ("0") is refused naming field 0, also with as many keys as the plan', () => {
  for (const [who, codec] of codecs()) {
    const mti = 'ISO8583_ERR_MTI';
    assert.deepEqual(refusal(codec, without('0')), { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: [`0:${mti}`] }, who);
    // "1" (the bitmap, ignored on input) in the MTI's place: as many own keys as the plan.
    assert.deepEqual(refusal(codec, { ...without('0'), '1': '0200' }), { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: [`0:${mti}`] }, who);
    // Another key in the MTI's place: both named.
    assert.deepEqual(
      refusal(codec, { ...without('0'), '2x': '0200' }),
      { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: [`0:${mti}`, `2x:${NOT_A_FIELD}`] },
      who,
    );
  }
});

test('pack – a symbol key is no key of the message: the purchase with one packs to the purchase\'s bytes', () => {
  const bytes = createCodec('iso87ascii').pack(PURCHASE);
  for (const [who, codec] of codecs()) {
    const message = { ...PURCHASE, [Symbol('note')]: 'x' } as IsoMessage;
    assert.deepEqual(codec.pack(message), bytes, who);
    // With a key outside the plan too, that key is still refused.
    assert.deepEqual(refusal(codec, { ...message, '2x': '1' }).fields, [`2x:${NOT_A_FIELD}`], who);
  }
});

test('pack – inherited keys are no keys of the message: an inherited MTI or field is not packed, an inherited key is not named', () => {
  for (const [who, codec] of codecs()) {
    // Every field inherited: no key at all, so no MTI.
    assert.deepEqual(refusal(codec, Object.create(PURCHASE)), { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: ['0:ISO8583_ERR_MTI'] }, who);
    // An own key outside the plan is named; the inherited one outside the plan is not.
    const message = Object.assign(Object.create({ '7x': '1' }) as IsoMessage, PURCHASE, { '2x': '1' });
    assert.deepEqual(refusal(codec, message).fields, [`2x:${NOT_A_FIELD}`], who);
  }
});

test('pack – an inherited field makes up no missing field: a key outside the plan in its place is refused (plan and interpreter)', () => {
  for (const [who, codec] of codecs()) {
    // As many keys own and inherited as the plan, every field of the plan readable: "2x" must still be named.
    const message = Object.assign(Object.create({ '49': '840' }) as IsoMessage, without('49'), { '2x': 'a' });
    assert.deepEqual(refusal(codec, message), { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: [`2x:${NOT_A_FIELD}`] }, who);
    // Without the key outside the plan: packed without field 49, as the purchase without it.
    const bytes = createCodec('iso87ascii').pack(without('49'));
    assert.deepEqual(codec.pack(Object.assign(Object.create({ '49': '840' }) as IsoMessage, without('49'))), bytes, who);
  }
});

test('pack – an inherited field outside the plan is not packed, whatever the codec packed before', () => {
  const bytes = createCodec('iso87ascii').pack(PURCHASE);
  for (const [who, codec] of codecs()) {
    const message = Object.assign(Object.create({ '5': '000000000100' }) as IsoMessage, PURCHASE);
    assert.deepEqual(codec.pack(message), bytes, who);
    assert.deepEqual(codec.validate(Object.assign(Object.create({ '2x': '1' }) as IsoMessage, PURCHASE)), [], who);
  }
});

test('pack – a non-enumerable own key is no key of the message: the fields after it are all packed (plan and interpreter)', () => {
  for (const [who, codec] of codecs()) {
    // Field 2 hidden: the message is the purchase without it, field 49 and 55 included.
    const hidden2 = Object.defineProperty(without('2'), '2', { value: '4111111111111111', enumerable: false });
    assert.deepEqual(codec.pack(hidden2), createCodec('iso87ascii').pack(without('2')), who);
    // The MTI hidden: no MTI.
    const hidden0 = Object.defineProperty(without('0'), '0', { value: '0200', enumerable: false });
    assert.deepEqual(refusal(codec, hidden0), { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: ['0:ISO8583_ERR_MTI'] }, who);
    // A hidden field of the plan with a key outside the plan in its place (as many own keys as the plan, every field
    // of the plan readable): "2x" must be named.
    const hidden49 = Object.defineProperty({ ...without('49'), '2x': 'a' }, '49', { value: '840', enumerable: false });
    assert.deepEqual(refusal(codec, hidden49), { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: [`2x:${NOT_A_FIELD}`] }, who);
  }
});

test('pack – a field set on Object.prototype is no field of any message', () => {
  const bytes = createCodec('iso87ascii').pack(without('49'));
  const codecList = codecs();
  const proto = Object.prototype as Record<string, unknown>;
  proto['49'] = '999';
  try {
    for (const [who, codec] of codecList) {
      assert.deepEqual(codec.pack(without('49')), bytes, who);
      assert.deepEqual(codec.validate(without('49')), [], who);
    }
  } finally {
    delete proto['49'];
  }
});

test('pack – the sub-fields of a composite field are its own enumerable keys too (bitmap and positional)', () => {
  const codec = createCodec(COMPOSITE_DIALECT);
  const inner = { '1': 'AB' };
  const expected = codec.pack({ '0': '0200', '127': inner });
  assert.deepEqual(codec.pack({ '0': '0200', '127': Object.assign(Object.create({ '9': '1234567' }) as IsoMessage, inner) }), expected);
  const hidden = Object.defineProperty({ ...inner }, '9', { value: '1234567', enumerable: false });
  assert.deepEqual(codec.pack({ '0': '0200', '127': hidden }), expected);
  const positional = { '1': '00', '2': '10', '3': '00' };
  const bytes = codec.pack({ '0': '0200', '3': positional });
  const withOwn = Object.assign(Object.create({ '2': '99' }) as IsoMessage, positional);
  assert.deepEqual(codec.pack({ '0': '0200', '3': withOwn }), bytes);
  // An inherited sub-field does not stand in for a missing one, on pack and on validate alike.
  const missing = Object.assign(Object.create({ '2': '10' }) as IsoMessage, { '1': '00', '3': '00' });
  const alone = packOutcome(codec, { '0': '0200', '3': { '1': '00', '3': '00' } });
  assert.deepEqual(packOutcome(codec, { '0': '0200', '3': missing }), alone);
  assert.deepEqual(codec.validate({ '0': '0200', '3': missing }), codec.validate({ '0': '0200', '3': { '1': '00', '3': '00' } }));
});

test('pack – an array (or one with the purchase\'s keys) is refused as a whole, naming the message', () => {
  for (const [who, codec] of codecs()) {
    for (const message of [[], ['0200'], Object.assign([] as unknown[], PURCHASE)]) {
      assert.deepEqual(refusal(codec, message), { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: ['message:ISO8583_ERR_FIELD_VALUE'] }, who);
    }
  }
});

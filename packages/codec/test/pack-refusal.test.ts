/**
 * The keys a pack refuses, by the interpreter and by the plan of a set of keys with its compiled packer
 * (`field/pack-shapes.ts`, `field/compile-pack.ts`). A plan is chosen by the message's count of own keys
 * (`Object.values`) and its fields being there, so these are the messages that are closest to a planned one
 * (the plan's keys, one more; one swapped; the MTI missing): each must be refused with the same coded error naming
 * the key, not packed by the plan. What is not a key of the message (a symbol key) is ignored, as is an array
 * refused as a whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '../src/index.js';
import type { Codec, IsoMessage } from '../src/index.js';
import { PURCHASE, packOutcome, plansOf, warmed } from './pack-outcome.js';

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
function without(key: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...PURCHASE };
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

test('pack – an inherited key outside the plan is named once the message leaves the plan; inherited fields pack', () => {
  const bytes = createCodec('iso87ascii').pack(PURCHASE);
  for (const [who, codec] of codecs()) {
    // Every field inherited: no own key, so no plan; packed from the inherited fields.
    assert.deepEqual(codec.pack(Object.create(PURCHASE) as IsoMessage), bytes, who);
    // An own key outside the plan takes the message off it; the inherited one outside the plan is named with it.
    const message = Object.assign(Object.create({ '7x': '1' }) as IsoMessage, PURCHASE, { '2x': '1' });
    assert.deepEqual(refusal(codec, message).fields, [`2x:${NOT_A_FIELD}`, `7x:${NOT_A_FIELD}`], who);
  }
});

test('pack – an array (or one with the purchase\'s keys) is refused as a whole, naming the message', () => {
  for (const [who, codec] of codecs()) {
    for (const message of [[], ['0200'], Object.assign([] as unknown[], PURCHASE)]) {
      assert.deepEqual(refusal(codec, message), { code: 'ISO8583_ERR_INVALID_MESSAGE', fields: ['message:ISO8583_ERR_FIELD_VALUE'] }, who);
    }
  }
});

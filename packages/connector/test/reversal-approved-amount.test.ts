// The reversal of an approval whose answer is known (one its client never got: late-approval.ts in the gateway)
// carries the amount the answer approved in field 4 (`DialectReversal.approvedAmount`, default field 4 of the answer),
// so that a partial approval is undone for what it moved, never for the amount requested; the request's amount stays
// when the answer carries none that reads as an amount (zero included), when the rule says `false`, and when no answer is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, getDialect, isIso8583Error } from '@iso8583/codec';
import type { Dialect, IsoMessage, MessageInput } from '@iso8583/codec';
import { ReversalPlan, buildReversal } from '../src/reversal-message.js';

const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1201120000', 11: '004401', 41: 'TERM0001', 49: '840' };
const partial = (amount: unknown): MessageInput => ({ ...purchase, 0: '0210', 39: '10', 4: amount }) as MessageInput;

test('reversal approved amount – a partial approval (10, 6.00 of 10.00) is reversed for 6.00; no answer: the 10.00 asked', () => {
  const d = getDialect('iso87ascii');
  assert.equal(buildReversal(purchase, '0400', d, undefined, partial('000000000600'))['4'], '000000000600');
  assert.equal(buildReversal(purchase, '0400', d)['4'], '000000001000', 'an unknown outcome reverses the request');
  // A short or numeric amount is padded as the dialect pads field 4.
  assert.equal(buildReversal(purchase, '0400', d, undefined, partial('600'))['4'], '000000000600');
  assert.equal(buildReversal(purchase, '0400', d, undefined, partial(600))['4'], '000000000600');
  // The rest of the reversal is the same as without an answer (field 90 names the original, no field 95).
  const plan = new ReversalPlan('0400', d);
  const { 4: _with, ...withAnswer } = plan.build(purchase, partial('000000000600'));
  const { 4: _without, ...without } = plan.build(purchase);
  assert.deepEqual(withAnswer, without);
  assert.equal(withAnswer['95'], undefined);
});

test('reversal approved amount – an answer without a readable amount leaves the request\'s', () => {
  const d = getDialect('iso87ascii');
  for (const amount of [undefined, null, '', '-600', '6.00', '0000000006000', 'abc', -1, 1.5, { 1: '600' }, '000000000000', 0]) {
    assert.equal(buildReversal(purchase, '0400', d, undefined, partial(amount))['4'], '000000001000', JSON.stringify(amount));
  }
  // An answer whose field 4 cannot be read (a getter that throws) does not cost the reversal.
  const unreadable = Object.defineProperty({ ...partial('1') }, '4', { enumerable: true, get: () => { throw new Error('unreadable'); } }) as MessageInput;
  assert.equal(buildReversal(purchase, '0400', d, undefined, unreadable)['4'], '000000001000');
  const { 4: _gone, ...noAmount } = partial('1');
  assert.equal(buildReversal(purchase, '0400', d, undefined, noAmount)['4'], '000000001000', 'no field 4 in the answer');
});

test('reversal approved amount – the dialect names the answer\'s field (reversal.approvedAmount), or false to keep the request\'s', () => {
  const base = getDialect('iso87ascii');
  const in6: Dialect = { ...base, reversal: { approvedAmount: '6' } };
  // The cardholder billing amount (6) is in field 51's currency: taken only when that is the request's (49).
  const answer: MessageInput = { ...partial('000000001000'), 6: '000000000700', 51: '840' };
  assert.equal(buildReversal(purchase, '0400', in6, undefined, answer)['4'], '000000000700');
  const kept: string[] = [];
  // A 10,000 JPY purchase billed 67.00 USD: never reversed as 67 yen.
  const yen = { ...purchase, 4: '000000010000', 49: '392' };
  const billed: MessageInput = { ...yen, 0: '0210', 39: '00', 6: '000000006700', 51: '840' };
  assert.equal(buildReversal(yen, '0400', in6, undefined, billed, (why) => kept.push(why))['4'], '000000010000');
  // Field 51 absent: the billing currency is not known to be the request's.
  const { 51: _none, ...unknown } = answer as IsoMessage;
  assert.equal(buildReversal(purchase, '0400', in6, undefined, unknown, (why) => kept.push(why))['4'], '000000001000');
  // The settlement amount (5) goes with field 50 the same way.
  const in5: Dialect = { ...base, reversal: { approvedAmount: '5' } };
  assert.equal(buildReversal(purchase, '0400', in5, undefined, { ...partial('000000001000'), 5: '000000000800', 50: '0840' })['4'], '000000000800');
  assert.equal(buildReversal(purchase, '0400', in5, undefined, { ...partial('000000001000'), 5: '000000000800', 50: '978', 49: '840' }, (why) => kept.push(why))['4'], '000000001000');
  assert.deepEqual(kept, ['other-currency', 'other-currency', 'other-currency']);
  const off: Dialect = { ...base, reversal: { approvedAmount: false } };
  assert.equal(buildReversal(purchase, '0400', off, undefined, partial('000000000600'))['4'], '000000001000');
  // A reversal that does not carry field 4 (not in its fields) does not gain one from the answer.
  assert.equal(buildReversal(purchase, '0400', base, ['2', '11', '41'], partial('000000000600'))['4'], undefined);
});

test('reversal approved amount – a bad reversal.approvedAmount is refused with ISO8583_ERR_DIALECT_INVALID naming it', () => {
  const base = getDialect('iso87ascii');
  // Card data (the PAN, tracks, PIN block, ICC data, a field the dialect marks sensitive) is never taken as an amount.
  const marked: Dialect = { ...base, fields: { ...base.fields, '48': { ...base.fields['48']!, sensitive: 'cvv' } } };
  assert.throws(() => createCodec({ ...marked, reversal: { approvedAmount: '48' } }), (err: unknown) => isIso8583Error(err) && err.problems?.some((p) => p.field === 'reversal.approvedAmount') === true);
  for (const bad of ['0', '1', '129', '04', 'x', '', 4, true, null, '2', '35', '52', '55']) {
    assert.throws(
      () => createCodec({ ...base, reversal: { approvedAmount: bad as never } }),
      (err: unknown) => isIso8583Error(err) && err.code === 'ISO8583_ERR_DIALECT_INVALID' && err.problems?.some((p) => p.field === 'reversal.approvedAmount') === true,
      String(bad),
    );
  }
  for (const good of ['4', '6', '54', false, undefined] as const) createCodec({ ...base, reversal: { approvedAmount: good } });
});

test('reversal approved amount – never more than asked, never in another currency: the request\'s amount stays, and why is told', () => {
  const d = getDialect('iso87ascii');
  const kept: string[] = [];
  const build = (answer: MessageInput, original: MessageInput = purchase): unknown =>
    buildReversal(original, '0400', d, undefined, answer, (why) => kept.push(why))['4'];
  // An approval (00) whose field 4 is more than the 10.00 asked: 99.99 is not reversed, the 10.00 is.
  assert.equal(build({ ...purchase, 0: '0210', 39: '00', 4: '000000009999' }), '000000001000');
  assert.equal(build(partial('1001')), '000000001000', 'compared as numbers, whatever the width');
  assert.equal(build(partial('000000001000')), '000000001000');
  // A partial approval in another currency (978 for a request in 840): its 6.00 is not the request's money.
  assert.equal(build({ ...partial('000000000600'), 49: '978' }), '000000001000');
  assert.deepEqual(kept, ['more-than-requested', 'more-than-requested', 'other-currency']);
  // The request's currency (as text or a number, padded or not), or none in the answer: the answer's amount.
  assert.equal(build({ ...partial('000000000600'), 49: '840' }), '000000000600');
  assert.equal(build({ ...partial('000000000600'), 49: 840 } as MessageInput), '000000000600');
  const { 49: _none, ...noCurrency } = partial('000000000600');
  assert.equal(build(noCurrency), '000000000600');
  // An answer with a currency to a request without one is not known to be in the request's.
  const { 49: _c, ...request } = purchase;
  assert.equal(build({ ...partial('000000000600'), 49: '840' }, request), '000000001000');
  // The request's currency decides even when the reversal does not copy field 49.
  assert.equal(buildReversal(purchase, '0400', d, ['4', '11'], { ...partial('000000000600'), 49: '978' })['4'], '000000001000');
  assert.deepEqual(kept, ['more-than-requested', 'more-than-requested', 'other-currency', 'other-currency']);
});

test('reversal approved amount – a field of card data by the codec\'s one rule is refused: a sub-field\'s mark, the PAN in 34', () => {
  const base = getDialect('iso87ascii');
  const composite: Dialect = {
    ...base,
    fields: {
      ...base.fields,
      '48': {
        name: 'ADDITIONAL DATA',
        type: 'ans',
        length: 999,
        encoding: 'ascii',
        prefix: { encoding: 'ascii', digits: 3 },
        subfields: { bitmap: { encoding: 'binary', length: 1 }, fields: { '1': { name: 'CVV2', type: 'n', length: 3, encoding: 'ascii', sensitive: 'cvv' } } },
      },
    },
  };
  for (const [dialect, field] of [[composite, '48'], [base, '34']] as const) {
    assert.throws(
      () => createCodec({ ...dialect, reversal: { approvedAmount: field } }),
      (err: unknown) => isIso8583Error(err) && err.problems?.some((p) => p.field === 'reversal.approvedAmount') === true,
      field,
    );
  }
});

// The host simulator's partial approvals (`partialApproval`): a purchase over the card's balance (above zero) is
// approved for the balance, 10 with field 4 the amount approved (1993: 002; SmartVista's n 3 field 39: 010), and that
// amount debited; a duplicate gets the same answer and moves nothing; a reversal gives back what was debited. Off by
// default (51); a bad value refused naming the option.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, getDialect, isIso8583Error } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import type { HostSimulator, SequenceContext } from '../src/index.js';
import { VISA as PAN, message as at, original, tx } from './support/simulator.js';

/** The simulator's answer to `fields` (it answers at once: no delay). */
const answer = (sim: HostSimulator, fields: IsoMessage): IsoMessage => sim(at(fields), {} as SequenceContext) as IsoMessage;
const purchase = (stan: string, amount = '000000001000'): IsoMessage => tx('0200', stan, Number(amount));

test('host simulator partial approval – a purchase over the balance: 10, field 4 the balance, debited; a duplicate the same; a reversal gives it back', () => {
  const sim = createHostSimulator({ partialApproval: true, cards: { [PAN]: { balance: 600 } } });
  const reply = answer(sim, purchase('000001'));
  assert.equal(reply['39'], '10');
  assert.equal(reply['4'], '000000000600');
  assert.match(String(reply['38']), /^\d{6}$/);
  assert.equal(sim.balanceOf(PAN), 0);
  const again = answer(sim, { ...purchase('000001'), 0: '0201' });
  assert.deepEqual([again['39'], again['4'], again['38']], ['10', '000000000600', reply['38']]);
  assert.equal(sim.balanceOf(PAN), 0, 'a repeat moves nothing');
  assert.equal(answer(sim, purchase('000002', '000000000100'))['39'], '51', 'nothing left: declined');
  const reversal = answer(sim, { ...purchase('000001', '000000000600'), 0: '0400', 90: original('0200', '000001') });
  assert.equal(reversal['39'], '00');
  assert.equal(sim.balanceOf(PAN), 600);
});

test('host simulator partial approval – within the balance: 00 for the amount; off by default: 51; a refund or cash is never partial', () => {
  const sim = createHostSimulator({ partialApproval: true, cards: { [PAN]: { balance: 600 } } });
  const full = answer(sim, purchase('000011', '000000000500'));
  assert.deepEqual([full['39'], full['4']], ['00', '000000000500']);
  assert.equal(answer(sim, { ...purchase('000012'), 3: '010000' })['39'], '51', 'cash is not partly dispensed');
  const off = createHostSimulator({ cards: { [PAN]: { balance: 600 } } });
  assert.equal(answer(off, purchase('000013'))['39'], '51');
  assert.equal(off.balanceOf(PAN), 600);
});

test('host simulator partial approval – 002 under ISO 8583:1993, 010 in SmartVista\'s 3-digit field 39', () => {
  const d93 = createHostSimulator({ dialect: getDialect('iso93ascii'), partialApproval: true, cards: { [PAN]: { balance: 600 } } });
  const r93 = answer(d93, { 0: '1200', 2: PAN, 3: '000000', 4: '000000001000', 11: '000021', 12: '261201120000', 41: 'TERM0001' });
  assert.deepEqual([r93['39'], r93['4']], ['002', '000000000600']);
  const sv = createHostSimulator({ dialect: getDialect('smartvista'), partialApproval: true, cards: { [PAN]: { balance: 600 } } });
  const rsv = answer(sv, purchase('000022'));
  assert.deepEqual([rsv['39'], rsv['4']], ['010', '000000000600']);
});

test('host simulator partial approval – a value that is not a boolean is refused naming partialApproval', () => {
  assert.throws(() => createHostSimulator({ partialApproval: 'yes' as never }), (err: unknown) => isIso8583Error(err) && err.code === 'ISO8583_ERR_INBOUND_OPTIONS' && err.problems?.some((p) => p.field === 'partialApproval') === true);
});

test('host simulator – a 1993 dialect whose field 39 has 2 characters is answered in 1987 codes that fit it (00, 10, 51), packed', () => {
  const base = getDialect('iso93ascii');
  const dialect = { ...base, approvalCodes: ['00'], fields: { ...base.fields, '39': { ...base.fields['39']!, length: 2 } } };
  const codec = createCodec(dialect);
  const sim = createHostSimulator({ dialect, partialApproval: true, cards: { [PAN]: { balance: 600 } } });
  const request = (stan: string, amount: string): IsoMessage => ({ 0: '1200', 2: PAN, 3: '000000', 4: amount, 11: stan, 12: '261201120000', 41: 'TERM0001' });
  const codes = [answer(sim, request('000031', '000000000100')), answer(sim, request('000032', '000000001000')), answer(sim, request('000033', '000000000100'))].map((r) => {
    codec.pack(r);
    return r['39'];
  });
  assert.deepEqual(codes, ['00', '10', '51']);
  assert.equal(answer(sim, { 0: '1804', 11: '000034', 12: '261201120000', 24: '831' })['39'], '00');
});

// The host simulator with ISO 8583:1993 MTIs: 1804 network management by function code (field 24), 1100/1200 with
// 1993 action codes in field 39, 1400/1420 reversals matched by field 56, partial ones by function code 401.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, getDialect } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import { ask } from './support/simulator.js';

const VISA = '4111111111111111';

function sale(stan: string, amount: number, overrides: IsoMessage = {}): IsoMessage {
  return {
    0: '1200', 2: VISA, 3: '000000', 4: String(amount).padStart(12, '0'), 7: '1130193000', 11: stan,
    12: '261130193000', 32: '123456', 41: 'TERM0001', 49: '840', ...overrides,
  };
}

test('host simulator 1993 – 1804 sign-on (801), echo (831) and sign-off (802) are answered 1814 with 800, echoing 24', async () => {
  const host = createHostSimulator();
  for (const code of ['801', '831', '802']) {
    const reply = await ask(host, { 0: '1804', 7: '1130193000', 11: '000001', 24: code });
    assert.deepEqual(reply, { 0: '1814', 7: '1130193000', 11: '000001', 24: code, 39: '800' });
  }
  assert.equal((await ask(host, { 0: '1804', 11: '000002', 24: '899' }))?.['39'], '902');
  assert.equal((await ask(host, { 0: '1804', 11: '000003', 70: '001' }))?.['39'], '904', 'a 1987 field 70 is not a 1993 function code');
});

test('host simulator 1993 – 1200 approved with 000 and 1100 answered 1110; declines in 1993 action codes', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 5000 } } });
  const approved = await ask(host, sale('000010', 1250));
  assert.equal(approved?.['0'], '1210');
  assert.equal(approved?.['39'], '000');
  assert.match(String(approved?.['38']), /^\d{6}$/);
  assert.equal((await ask(host, sale('000011', 100, { 0: '1100' })))?.['0'], '1110');
  assert.equal((await ask(host, sale('000012', 999999)))?.['39'], '116', 'not sufficient funds');
  assert.equal((await ask(host, sale('000013', 0)))?.['39'], '110', 'invalid amount');
  assert.equal((await ask(host, sale('000014', 100, { 2: '4111111111111112' })))?.['39'], '111', 'invalid card number');
  assert.equal((await ask(host, sale('000015', 100, { 3: '500000' })))?.['39'], '902', 'invalid transaction');
  assert.equal((await ask(host, { 0: '1200', 11: '000016' }))?.['39'], '904', 'format error');
  assert.equal(host.balanceOf(VISA), 5000 - 1250 - 100);
});

test('host simulator 1993 – a 1420 matched by field 56 restores the balance once (400); a 1421 repeat does not restore twice', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 10000 } } });
  assert.equal((await ask(host, sale('000070', 4000)))?.['39'], '000');
  const original = '1200' + '000070' + '261130193000' + '06123456';
  const reversal: IsoMessage = { 0: '1420', 2: VISA, 4: '000000004000', 11: '000071', 24: '400', 41: 'TERM0001', 56: original };
  const reply = await ask(host, reversal);
  assert.equal(reply?.['0'], '1430');
  assert.equal(reply?.['39'], '400');
  assert.equal(reply?.['56'], original);
  assert.equal(host.balanceOf(VISA), 10000);
  assert.equal((await ask(host, { ...reversal, 0: '1421' }))?.['39'], '400');
  assert.equal(host.balanceOf(VISA), 10000);
  // Another local time or acquirer: not that original.
  const other = await ask(host, { ...reversal, 11: '000072', 56: '1200' + '000070' + '261130193001' + '06123456' });
  assert.equal(other?.['39'], '914');
  const elsewhere = await ask(host, { ...reversal, 11: '000073', 56: '1200' + '000070' + '261130193000' + '06999999' });
  assert.equal(elsewhere?.['39'], '914');
});

/** Field 30 (amounts, original, n 24): the original amount, transaction, then the original amount, reconciliation. */
function originalAmounts(amount: number): string {
  return String(amount).padStart(12, '0').repeat(2);
}

test('host simulator 1993 – a partial reversal (24 = 401, 6.00 dispensed in field 4, 10.00 in field 30) gives back 4.00, once', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 10000 } } });
  assert.equal((await ask(host, sale('000080', 1000)))?.['39'], '000');
  const original = '1200' + '000080' + '261130193000' + '06123456';
  const partial: IsoMessage = {
    0: '1420', 2: VISA, 3: '000000', 4: '000000000600', 11: '000081', 24: '401', 30: originalAmounts(1000), 41: 'TERM0001', 56: original,
  };
  const reply = await ask(host, partial);
  assert.equal(reply?.['0'], '1430');
  assert.equal(reply?.['39'], '400');
  assert.equal(reply?.['24'], '401');
  assert.equal(reply?.['30'], originalAmounts(1000));
  assert.equal(host.balanceOf(VISA), 10000 - 600, 'only what was not dispensed comes back');
  for (const mti of ['1421', '1400', '1401']) assert.equal((await ask(host, { ...partial, 0: mti }))?.['39'], '400', mti);
  assert.equal(host.balanceOf(VISA), 10000 - 600, 'a repeat of the partial reversal gives nothing more back');
  // A second partial reversal (4.00 in the end) gives back what is over it; one over what stands moves nothing.
  assert.equal((await ask(host, { ...partial, 4: '000000000400', 11: '000082' }))?.['39'], '400');
  assert.equal(host.balanceOf(VISA), 10000 - 400);
  assert.equal((await ask(host, { ...partial, 4: '000000000900', 11: '000083' }))?.['39'], '400');
  assert.equal(host.balanceOf(VISA), 10000 - 400, 'never more than is left');
  // Function code 400 is a full reversal whatever field 4 says: the rest comes back, once.
  assert.equal((await ask(host, { ...partial, 11: '000084', 24: '400' }))?.['39'], '400');
  assert.equal(host.balanceOf(VISA), 10000);
  assert.equal((await ask(host, { ...partial, 11: '000085', 4: '000000000100' }))?.['39'], '400');
  assert.equal(host.balanceOf(VISA), 10000, 'a partial reversal after the full one moves nothing');
});

test('host simulator 1993 – a 401 with no amount, malformed amounts or field 4 over the original is refused 904 and moves nothing', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 10000 } } });
  assert.equal((await ask(host, sale('000090', 1000)))?.['39'], '000');
  const partial: IsoMessage = {
    0: '1420', 2: VISA, 3: '000000', 4: '000000000600', 11: '000091', 24: '401', 41: 'TERM0001',
    56: '1200' + '000090' + '261130193000' + '06123456',
  };
  const { 4: _amount, ...noAmount } = partial;
  assert.equal((await ask(host, noAmount))?.['39'], '904', 'no field 4');
  assert.equal((await ask(host, { ...partial, 4: '6.00' }))?.['39'], '904', 'field 4 not digits');
  assert.equal((await ask(host, { ...partial, 30: 'ten' }))?.['39'], '904', 'field 30 not digits');
  assert.equal((await ask(host, { ...partial, 4: '000000001200', 30: originalAmounts(1500) }))?.['39'], '904', 'over the original the journal holds');
  assert.equal((await ask(host, { ...partial, 30: originalAmounts(500) }))?.['39'], '904', 'field 4 over field 30');
  assert.equal(host.balanceOf(VISA), 9000);
  // Without field 30 the journal's amount is the bound; field 4 of 0 says nothing was done: a full reversal.
  assert.equal((await ask(host, { ...partial, 4: '000000000600' }))?.['39'], '400');
  assert.equal(host.balanceOf(VISA), 9400);
  assert.equal((await ask(host, { ...partial, 4: '000000000000', 11: '000092' }))?.['39'], '400');
  assert.equal(host.balanceOf(VISA), 10000);
});

test('host simulator 1993 – a partial reversal packed and unpacked by iso93ascii (24 n 3, 30 n 24, 56 LLVAR) on a 1993 dialect', async () => {
  const dialect = getDialect('iso93ascii');
  const codec = createCodec(dialect);
  const host = createHostSimulator({ cards: { [VISA]: { balance: 10000 } }, dialect });
  const wire = (fields: IsoMessage) => codec.unpack(codec.pack(fields));
  assert.equal((await ask(host, wire(sale('000100', 1000))))?.['39'], '000');
  const partial = wire({
    0: '1420', 2: VISA, 3: '000000', 4: '000000000250', 11: '000101', 24: '401', 30: originalAmounts(1000), 41: 'TERM0001',
    56: '1200' + '000100' + '261130193000' + '06123456',
  });
  const reply = await ask(host, partial);
  assert.equal(reply?.['39'], '400');
  assert.equal(codec.unpack(codec.pack(reply!))['30'], originalAmounts(1000), 'the answer packs in the dialect');
  assert.equal(host.balanceOf(VISA), 10000 - 250);
});

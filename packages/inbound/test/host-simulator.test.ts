import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { getDialect, responseTo } from '@iso8583/codec';
import { createHostSimulator } from '../src/index.js';
import type { SequenceContext } from '../src/index.js';
import { ask, message } from './support/simulator.js';

const VISA = '4111111111111111';
const MASTERCARD = '5500000000000004';
const OTHER = '4761739001010010';
const NOW = new Date(Date.UTC(2026, 10, 21, 10, 30, 0));

function sale(stan: string, amount: number, overrides: IsoMessage = {}): IsoMessage {
  return {
    0: '0200', 2: VISA, 3: '000000', 4: String(amount).padStart(12, '0'), 7: '1121103000', 11: stan,
    32: '123456', 41: 'TERM0001', 49: '840', ...overrides,
  };
}

test('host simulator – 0800 sign-on, echo test and sign-off are answered 0810 with 00, echoing 7, 11 and 70', async () => {
  const host = createHostSimulator();
  for (const code of ['001', '301', '002']) {
    const reply = await ask(host, { 0: '0800', 7: '1121103000', 11: '000001', 70: code });
    assert.deepEqual(reply, { 0: '0810', 7: '1121103000', 11: '000001', 70: code, 39: '00' });
  }
  assert.equal((await ask(host, { 0: '0800', 11: '000002', 70: '999' }))?.['39'], '12');
  // SmartVista's echo carries no field 70: an echo test, approved.
  assert.equal((await ask(host, { 0: '0800', 11: '000003' }))?.['39'], '00');
});

test('host simulator – answers in the width of its dialect\'s field 39: smartvista approves 000, declines 051', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 1000 } }, now: () => NOW, dialect: getDialect('smartvista') });
  assert.equal((await ask(host, { 0: '0800', 11: '000004', 24: '000', 41: '00123456' }))?.['39'], '000');
  assert.equal((await ask(host, sale('000011', 500)))?.['39'], '000');
  assert.equal((await ask(host, sale('000012', 5000)))?.['39'], '051');
  const plain = createHostSimulator({ cards: { [VISA]: { balance: 1000 } }, now: () => NOW, dialect: getDialect('iso87ascii') });
  assert.equal((await ask(plain, sale('000013', 5000)))?.['39'], '51');
});

test('host simulator – an approved 0200 debits the balance and carries 37, 38 and 39', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 50000 } }, now: () => NOW });
  const reply = await ask(host, sale('000010', 1250));
  assert.equal(reply?.['0'], '0210');
  assert.equal(reply?.['39'], '00');
  assert.match(String(reply?.['37']), /^\d{12}$/);
  assert.match(String(reply?.['38']), /^\d{6}$/);
  assert.equal(reply?.['11'], '000010');
  assert.equal(reply?.['41'], 'TERM0001');
  assert.equal(reply?.['4'], '000000001250');
  assert.equal(host.balanceOf(VISA), 48750);
});

test('host simulator – 0100 is answered 0110 and a given retrieval reference is echoed', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 5000 } } });
  const reply = await ask(host, sale('000011', 100, { 0: '0100', 37: '000000123456' }));
  assert.equal(reply?.['0'], '0110');
  assert.equal(reply?.['37'], '000000123456');
  assert.equal(reply?.['39'], '00');
});

test('host simulator – decline rules: 51, 14, 54, 61, 13, 30 and 12, none of them changing the balance', async () => {
  const host = createHostSimulator({
    cards: {
      [VISA]: { balance: 1000 },
      [MASTERCARD]: { balance: 100000, expiry: '2510' },
      [OTHER]: { balance: 100000, blocked: true },
    },
    defaultBalance: null,
    maxAmount: 50000,
    now: () => NOW,
  });
  const cases: Array<[string, IsoMessage, string]> = [
    ['insufficient funds', sale('000020', 1001), '51'],
    ['not Luhn-valid', sale('000021', 10, { 2: '4111111111111112' }), '14'],
    ['unknown card', sale('000022', 10, { 2: '4012888888881881' }), '14'],
    ['blocked card', sale('000023', 10, { 2: OTHER }), '14'],
    ['expired card (card record)', sale('000024', 10, { 2: MASTERCARD }), '54'],
    ['expired card (field 14)', sale('000025', 10, { 14: '2501' }), '54'],
    ['over the amount limit', sale('000026', 50001), '61'],
    ['zero amount', sale('000027', 0), '13'],
    ['no PAN', sale('000028', 10, { 2: '' }), '30'],
    ['unsupported processing code', sale('000029', 10, { 3: '400000' }), '12'],
  ];
  for (const [what, request, code] of cases) {
    const reply = await ask(host, request);
    assert.equal(reply?.['39'], code, what);
    assert.equal(reply?.['38'], undefined, `${what}: no approval code`);
  }
  assert.equal(host.balanceOf(VISA), 1000);
});

test('host simulator – the PAN and expiry may come from track 2 (field 35); track data is never echoed', async () => {
  const host = createHostSimulator({ now: () => NOW });
  const request = sale('000040', 500, { 35: `${VISA}=2412101123456789` });
  delete request['2'];
  const reply = await ask(host, request);
  assert.equal(reply?.['39'], '54');
  assert.equal(reply?.['35'], undefined);
  const valid = sale('000041', 500, { 35: `${VISA}=3012101123456789` });
  delete valid['2'];
  assert.equal((await ask(host, valid))?.['39'], '00');
  assert.equal(host.balanceOf(VISA), 1000000 - 500);
});

test('host simulator – unknown Luhn-valid cards open with the default balance', async () => {
  const host = createHostSimulator({ defaultBalance: 2000 });
  assert.equal(host.balanceOf(MASTERCARD), undefined);
  assert.equal((await ask(host, sale('000050', 1500, { 2: MASTERCARD })))?.['39'], '00');
  assert.equal((await ask(host, sale('000051', 1500, { 2: MASTERCARD })))?.['39'], '51');
  assert.equal(host.balanceOf(MASTERCARD), 500);
});

test('host simulator – balance inquiry (31) answers the balance in field 54; refund (20) credits', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 12345 } } });
  const inquiry = sale('000060', 0, { 3: '310000' });
  delete inquiry['4'];
  const reply = await ask(host, inquiry);
  assert.equal(reply?.['39'], '00');
  assert.equal(reply?.['54'], '0002840C000000012345');
  assert.equal((await ask(host, sale('000061', 655, { 3: '200000' })))?.['39'], '00');
  assert.equal(host.balanceOf(VISA), 13000);
});

test('host simulator – a reversal (0400) matched by field 90 restores the balance once; repeats do not restore twice', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 10000 } } });
  assert.equal((await ask(host, sale('000070', 4000)))?.['39'], '00');
  assert.equal(host.balanceOf(VISA), 6000);
  const original = `0200000070112110300000000123456${'0'.repeat(11)}`;
  assert.equal(original.length, 42);
  const reversal: IsoMessage = { 0: '0400', 2: VISA, 4: '000000004000', 7: '1121103100', 11: '000071', 41: 'TERM0001', 90: original };
  const reply = await ask(host, reversal);
  assert.equal(reply?.['0'], '0410');
  assert.equal(reply?.['39'], '00');
  assert.equal(reply?.['90'], original);
  assert.equal(host.balanceOf(VISA), 10000);
  assert.equal((await ask(host, { ...reversal, 0: '0401' }))?.['0'], '0410');
  assert.equal(host.balanceOf(VISA), 10000);
});

test('host simulator – a reversal advice (0420) without field 90 matches by STAN and terminal; no match is 25', async () => {
  const host = createHostSimulator({ cards: { [VISA]: { balance: 10000 } } });
  await ask(host, sale('000080', 2500, { 41: 'TERM0002' }));
  assert.equal(host.balanceOf(VISA), 7500);
  const other = await ask(host, { 0: '0420', 11: '000080', 41: 'TERM0009', 32: '123456' });
  assert.equal(other?.['0'], '0430');
  assert.equal(other?.['39'], '25');
  assert.equal(host.balanceOf(VISA), 7500);
  const advice = await ask(host, { 0: '0420', 11: '000080', 41: 'TERM0002', 32: '123456' });
  assert.equal(advice?.['39'], '00');
  assert.equal(host.balanceOf(VISA), 10000);
});

test('host simulator – responses get no reply; other requests are answered with 12', async () => {
  const host = createHostSimulator();
  assert.equal(await ask(host, { 0: '0210', 11: '000001', 39: '00' }), undefined);
  assert.deepEqual(await ask(host, { 0: '0600', 11: '000002' }), { 0: '0610', 11: '000002', 39: '12' });
  // The fields echoed are the codec's rule (`responseTo`): 70 and 90 too, never track or EMV data.
  const request = { 0: '0600', 11: '000003', 35: `${VISA}=28121011234567890`, 55: '9F2608571F1E10D4', 70: '301', 90: '0200000001' };
  assert.deepEqual(await ask(host, request), responseTo(request, '12'));
});

test('host simulator – the journal is bounded: the oldest transactions can no longer be reversed', async () => {
  const host = createHostSimulator({ journalSize: 10, cards: { [VISA]: { balance: 1000000 } } });
  for (let i = 0; i < 30; i++) await ask(host, sale(String(100 + i).padStart(6, '0'), 1));
  assert.equal((await ask(host, { 0: '0420', 11: '000100', 41: 'TERM0001' }))?.['39'], '25');
  assert.equal((await ask(host, { 0: '0420', 11: '000129', 41: 'TERM0001' }))?.['39'], '00');
});

test('host simulator – a delay makes the answer asynchronous', async () => {
  const host = createHostSimulator({ delay: 5 });
  const pending = host(message({ 0: '0800', 11: '000001', 70: '301' }), {} as SequenceContext);
  assert.ok(pending instanceof Promise);
  assert.equal(((await pending) as MessageInput)['39'], '00');
});

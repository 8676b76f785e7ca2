// The simulated issuer's duplicate check, advices and completions: money is moved once per transaction, however often
// the acquirer sends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHostSimulator } from '../src/index.js';
import type { HostSimulator } from '../src/index.js';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';
import { gate } from './support/gates.js';
import { VISA, ask, original, tx } from './support/simulator.js';

const MASTERCARD = '5555555555554444';

const NOW = new Date(Date.UTC(2026, 10, 21, 10, 30, 0));

function host(): HostSimulator {
  return createHostSimulator({ cards: { [VISA]: { balance: 100000 } }, now: () => NOW });
}

test('host simulator duplicates – a repeat (0201) and the same 0200 sent again get the first answer and debit once', async () => {
  const sim = host();
  const first = await ask(sim, tx('0200', '000001', 10000));
  assert.equal(first?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 90000);
  const repeat = await ask(sim, tx('0201', '000001', 10000));
  const again = await ask(sim, tx('0200', '000001', 10000));
  for (const reply of [repeat, again]) {
    assert.deepEqual(reply, first, 'the same 0210: 37, 38 and 39 as given the first time');
  }
  assert.equal(sim.balanceOf(VISA), 90000);
  // Another STAN, or another transmission time, is another transaction.
  assert.equal((await ask(sim, tx('0200', '000002', 10000)))?.['39'], '00');
  assert.equal((await ask(sim, tx('0200', '000001', 10000, { 7: '1121103001' })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 70000);
});

test('host simulator duplicates – a repeat whose original never arrived is the original; a decline is remembered too', async () => {
  const sim = host();
  const reply = await ask(sim, tx('0201', '000010', 2500));
  assert.equal(reply?.['0'], '0210');
  assert.equal(reply?.['39'], '00');
  assert.equal((await ask(sim, tx('0200', '000010', 2500)))?.['38'], reply?.['38']);
  assert.equal(sim.balanceOf(VISA), 97500);
  const declined = await ask(sim, tx('0200', '000011', 500000));
  assert.equal(declined?.['39'], '51');
  assert.deepEqual(await ask(sim, tx('0201', '000011', 500000)), declined);
});

test('host simulator duplicates – a reversal of an original sent twice restores it once', async () => {
  const sim = host();
  await ask(sim, tx('0200', '000020', 10000));
  await ask(sim, tx('0201', '000020', 10000));
  await ask(sim, tx('0200', '000020', 10000));
  assert.equal(sim.balanceOf(VISA), 90000);
  for (const mti of ['0420', '0421', '0400']) {
    assert.equal((await ask(sim, { ...tx(mti, '000021', 10000), 90: original('0200', '000020') }))?.['39'], '00');
  }
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator advices – an 0220 is posted and acknowledged once, without the balance check; 0221 does not post again', async () => {
  const sim = host();
  const reply = await ask(sim, tx('0220', '000030', 150000));
  assert.equal(reply?.['0'], '0230');
  assert.equal(reply?.['39'], '00', 'an advice reports a transaction already approved: acknowledged, even over the balance');
  assert.equal(reply?.['38'], undefined);
  assert.equal(sim.balanceOf(VISA), -50000);
  assert.deepEqual(await ask(sim, tx('0221', '000030', 150000)), reply);
  assert.deepEqual(await ask(sim, tx('0220', '000030', 150000)), reply);
  assert.equal(sim.balanceOf(VISA), -50000);
  // A refund advice credits; a malformed one is still refused.
  assert.equal((await ask(sim, tx('0220', '000031', 50000, { 3: '200000' })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 0);
  assert.equal((await ask(sim, tx('0220', '000032', 100, { 3: '300000' })))?.['39'], '12');
  assert.equal((await ask(sim, { 0: '0220', 11: '000033', 41: 'TERM0001' }))?.['39'], '30');
});

test('host simulator advices – an 0120 holds like an approved 0100, once', async () => {
  const sim = host();
  const reply = await ask(sim, tx('0120', '000040', 3000));
  assert.equal(reply?.['0'], '0130');
  assert.equal(reply?.['39'], '00');
  await ask(sim, tx('0121', '000040', 3000));
  assert.equal(sim.balanceOf(VISA), 97000);
});

test('host simulator advices – an 0220 completing an 0100 pre-authorisation releases the hold and debits the final amount', async () => {
  const sim = host();
  assert.equal((await ask(sim, tx('0100', '000050', 10000)))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 90000, 'the pre-authorisation holds 100.00');
  const completion = { ...tx('0220', '000051', 4520), 90: original('0100', '000050') };
  assert.equal((await ask(sim, completion))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 95480, 'the hold released, 45.20 taken');
  await ask(sim, { ...completion, 0: '0221' });
  assert.equal(sim.balanceOf(VISA), 95480, 'a repeated completion changes nothing');
  // The pre-authorisation's hold is gone: reversing it now releases nothing.
  assert.equal((await ask(sim, { ...tx('0400', '000052', 10000), 90: original('0100', '000050') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 95480);
});

test('host simulator advices – a completion reversed puts the hold back; then the pre-authorisation can be reversed', async () => {
  const sim = host();
  await ask(sim, tx('0100', '000060', 10000));
  await ask(sim, { ...tx('0220', '000061', 4520), 90: original('0100', '000060') });
  assert.equal((await ask(sim, { ...tx('0420', '000062', 4520), 90: original('0220', '000061') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 90000, 'back to the hold of the pre-authorisation');
  assert.equal((await ask(sim, { ...tx('0420', '000063', 10000), 90: original('0100', '000060') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator – issuer- and other-originated requests (0102, 0202, 0104) and 1993 notifications get 12 and move no money', async () => {
  const sim = host();
  for (const mti of ['0102', '0202', '0203', '0104', '0204']) {
    const reply = await ask(sim, tx(mti, '000070', 1000));
    assert.equal(reply?.['39'], '12', mti);
  }
  assert.equal((await ask(sim, tx('1240', '000071', 1000)))?.['39'], '902');
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator – with a delay, a message whose context is aborted (expired) gets no answer and moves no money', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 100000 } }, now: () => NOW, delay: 1 });
  assert.equal(await ask(sim, tx('0200', '000080', 1000), { signal: AbortSignal.abort() }), null);
  assert.equal(sim.balanceOf(VISA), 100000);
  assert.equal((await ask(sim, tx('0200', '000081', 1000), { signal: new AbortController().signal }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 99000);
});

test('host simulator – behind an endpoint, a delay past sequenceTimeout answers 96 and does not debit', async (t) => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 100000 } }, now: () => NOW, delay: 200 });
  const late = gate<unknown>();
  const { port } = await startEndpoint(t, { sequence: sim, sequenceTimeout: 20, onLateResult: (result) => late.open(result) });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await client.request(tx('0200', '000090', 1000));
  assert.equal(reply.fields['39'], '96');
  assert.equal(await late.promise, null, 'the simulator gave no answer once the endpoint had given up');
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator duplicates – over a socket, a terminal without field 7 that reuses STAN 000001 for another card gets that card debited', async (t) => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 100000 }, [MASTERCARD]: { balance: 100000 } }, now: () => NOW });
  const { port } = await startEndpoint(t, { sequence: sim });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const first = tx('0200', '000001', 1234);
  delete first['7'];
  assert.equal((await client.request(first)).fields['39'], '00');
  // The terminal restarted and numbers from 000001 again: another card, another amount, another transaction.
  const second = await client.request({ ...first, 2: MASTERCARD, 4: '000000050000' });
  assert.equal(second.fields['39'], '00');
  assert.equal(second.fields['2'], MASTERCARD);
  assert.equal(sim.balanceOf(VISA), 100000 - 1234);
  assert.equal(sim.balanceOf(MASTERCARD), 100000 - 50000, 'the second card was debited, not given the first card\'s answer');
  // The same card for another amount under the same keys is another transaction too; the same one again is not.
  assert.equal((await client.request({ ...first, 4: '000000000100' })).fields['39'], '00');
  assert.equal((await client.request(first)).fields['38'], (await client.request({ ...first, 0: '0201' })).fields['38']);
  assert.equal(sim.balanceOf(VISA), 100000 - 1234 - 100);
});

test('host simulator duplicates – over a socket, a repeat (0201, 0221) carrying its own field 7 gets the first answer and books nothing', async (t) => {
  const sim = host();
  const { port } = await startEndpoint(t, { sequence: sim });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const purchase = tx('0200', '000777', 2500);
  const first = await client.request(purchase);
  assert.equal(first.fields['39'], '00');
  const repeat = await client.request({ ...purchase, 0: '0201', 7: '1121103035' });
  assert.equal(repeat.fields['38'], first.fields['38']);
  assert.equal(repeat.fields['37'], first.fields['37']);
  const advice = tx('0220', '000778', 1000, { 7: '1121103100' });
  const acknowledged = await client.request(advice);
  assert.equal((await client.request({ ...advice, 0: '0221', 7: '1121103135' })).fields['37'], acknowledged.fields['37']);
  assert.equal(sim.balanceOf(VISA), 100000 - 2500 - 1000, 'each booked once');
  // With the local date and time (13, 12) a repeat is matched on them: another local time is another transaction.
  const local = tx('0200', '000779', 100, { 12: '103000', 13: '1121' });
  await ask(sim, local);
  await ask(sim, { ...local, 0: '0201', 7: '1121103040' });
  assert.equal(sim.balanceOf(VISA), 100000 - 3600);
  assert.equal((await ask(sim, { ...local, 0: '0201', 7: '1121103050', 12: '103010' }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000 - 3700);
});

test('host simulator duplicates – an original after its repeat: the same transaction when its field 7 is not later; 1993 matches on field 12', async () => {
  const sim = host();
  const repeat = await ask(sim, tx('0201', '000800', 1000, { 7: '1121103030' }));
  assert.equal((await ask(sim, tx('0200', '000800', 1000, { 7: '1121103000' })))?.['38'], repeat?.['38'], 'the late original');
  assert.equal(sim.balanceOf(VISA), 99000);
  assert.equal((await ask(sim, tx('0200', '000800', 1000, { 7: '1121113000' })))?.['39'], '00', 'sent after the repeat: a new one');
  assert.equal(sim.balanceOf(VISA), 98000);
  // ISO 8583:1993: field 7 is per transmission; an original sent again or a repeat is known by field 12.
  const v1993 = tx('1200', '000801', 1000, { 12: '261121103000' });
  const approved = await ask(sim, v1993);
  for (const again of [{ ...v1993, 7: '1121103099' }, { ...v1993, 0: '1201', 7: '1121103100' }]) {
    assert.equal((await ask(sim, again))?.['38'], approved?.['38']);
  }
  assert.equal(sim.balanceOf(VISA), 97000);
  assert.equal((await ask(sim, { ...v1993, 12: '261121103500' }))?.['39'], '000', 'another local time: another transaction');
  assert.equal(sim.balanceOf(VISA), 96000);
});

test('host simulator advices – an 0220 of another card naming an 0100 in field 90 does not release that card\'s hold', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 100000 }, [MASTERCARD]: { balance: 100000 } }, now: () => NOW });
  await ask(sim, tx('0100', '000900', 5000));
  await ask(sim, tx('0100', '000900', 5000, { 2: MASTERCARD }));
  assert.equal((await ask(sim, { ...tx('0220', '000901', 4500), 90: original('0100', '000900') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000 - 4500, 'the VISA pre-authorisation completed, though the MASTERCARD one came later');
  assert.equal(sim.balanceOf(MASTERCARD), 100000 - 5000, 'the other card still holds its own');
});

test('host simulator duplicates – an original of 31 December after its repeat of 1 January (field 7 has no year) is the same transaction', async () => {
  const sim = host();
  const newYear = { 12: '235958', 13: '1231' };
  const repeat = await ask(sim, tx('0201', '000900', 1000, { ...newYear, 7: '0101000005' }));
  assert.equal(repeat?.['39'], '00');
  const late = await ask(sim, tx('0200', '000900', 1000, { ...newYear, 7: '1231235958' }));
  assert.equal(late?.['38'], repeat?.['38'], 'sent 7 seconds before its repeat, across the year end: the first answer');
  assert.equal(sim.balanceOf(VISA), 99000, 'debited once');
  // An original of 1 January after a repeat of 31 December was sent after it: a new transaction (a reused STAN).
  await ask(sim, tx('0201', '000901', 1000, { ...newYear, 7: '1231235959' }));
  assert.equal((await ask(sim, tx('0200', '000901', 1000, { ...newYear, 7: '0101000001' })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 97000);
});

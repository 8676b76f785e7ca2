// The simulated issuer's balance never passes MAX_SIMULATOR_BALANCE (the 12 digits field 54 carries): a refund advice
// that would take it past is declined 13 and books nothing, as a refund request is; a credit (request or advice) that
// would leave no room for the reversals the journal may still bring (its purchases of the card, which a reversal gives
// back) is declined too, so that a reversal always books in full and a balance inquiry always answers with field 54.
// Before, a refund advice and a reversal after later refunds took the balance past the cap: the client's balance
// inquiry then got 96 (field 54 does not pack), the book holding a balance no answer could carry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { MAX_SIMULATOR_BALANCE, createHostSimulator } from '../src/index.js';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';
import { VISA, ask, original, tx } from './support/simulator.js';

const NOW = new Date(Date.UTC(2026, 11, 6, 4, 0, 0));

/** A balance inquiry (0200, processing code 31, no amount). */
function inquiry(stan: string): IsoMessage {
  const fields = tx('0200', stan, 0, { 3: '310000' });
  delete fields['4'];
  return fields;
}

test('host simulator balance cap – a refund advice past MAX_SIMULATOR_BALANCE is declined 13 over a socket, books nothing, and its repeat is too', async (t) => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: MAX_SIMULATOR_BALANCE - 500 } }, now: () => NOW });
  const { port } = await startEndpoint(t, { sequence: sim });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const advice = tx('0220', '000001', 1000, { 3: '200000' });
  assert.equal((await client.request(advice)).fields['39'], '13', 'invalid amount, as a refund request past the cap');
  assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE - 500, 'nothing booked');
  assert.equal((await client.request({ ...advice, 0: '0221' })).fields['39'], '13', 'the repeat gets the same answer');
  assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE - 500);
  assert.equal((await client.request(tx('0220', '000002', 500, { 3: '200000' }))).fields['39'], '00', 'up to the cap');
  const asked = await client.request(inquiry('000003'));
  assert.equal(asked.fields['39'], '00');
  assert.equal(asked.fields['54'], `0002840C${MAX_SIMULATOR_BALANCE}`);
});

test('host simulator balance cap – a refund that leaves no room for the reversal of a purchase is declined 13; the reversal then books in full', async (t) => {
  for (const refundMti of ['0200', '0220']) {
    const sim = createHostSimulator({ cards: { [VISA]: { balance: MAX_SIMULATOR_BALANCE - 1000 } }, now: () => NOW });
    const { port } = await startEndpoint(t, { sequence: sim });
    const client = await TestClient.connect(port);
    t.after(() => client.destroy());
    assert.equal((await client.request(tx('0200', '000001', 1000))).fields['39'], '00', 'the purchase');
    assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE - 2000);
    // Within the balance's 12 digits, but its reversal would give back 10.00 more than they hold.
    assert.equal((await client.request(tx(refundMti, '000002', 1500, { 3: '200000' }))).fields['39'], '13', `${refundMti}: no room for the reversal`);
    assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE - 2000, 'nothing booked');
    assert.equal((await client.request(tx(refundMti, '000003', 1000, { 3: '200000' }))).fields['39'], '00', `${refundMti}: the room left`);
    const reversal = { ...tx('0400', '000004', 1000), 90: original('0200', '000001') };
    assert.equal((await client.request(reversal)).fields['39'], '00', 'the reversal books');
    assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE, 'in full, and no further than the cap');
    const asked = await client.request(inquiry('000005'));
    assert.equal(asked.fields['39'], '00', 'the balance inquiry is answered');
    assert.equal(asked.fields['54'], `0002840C${MAX_SIMULATOR_BALANCE}`);
  }
});

test('host simulator balance cap – a purchase the journal dropped no longer takes room: no reversal finds it (25), so a refund may use it', async () => {
  const other = '5555555555554444';
  const sim = createHostSimulator({ journalSize: 2, cards: { [VISA]: { balance: MAX_SIMULATOR_BALANCE - 1000 }, [other]: { balance: 5000 } }, now: () => NOW });
  assert.equal((await ask(sim, tx('0200', '000001', 1000)))?.['39'], '00');
  assert.equal((await ask(sim, tx('0200', '000002', 1500, { 3: '200000' })))?.['39'], '13', 'the purchase may still be reversed');
  // The journal (2 entries) drops the purchase for the other card's purchase.
  assert.equal((await ask(sim, tx('0200', '000003', 100, { 2: other })))?.['39'], '00');
  assert.equal((await ask(sim, tx('0200', '000004', 1500, { 3: '200000' })))?.['39'], '00', 'room once no reversal can find the purchase');
  assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE - 500);
  assert.equal((await ask(sim, { ...tx('0400', '000005', 1000), 90: original('0200', '000001') }))?.['39'], '25', 'the purchase is not found');
  assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE - 500, 'and nothing moves');
});

test('host simulator balance cap – a completion takes over its pre-authorisation\'s hold: the room stays the same, and its reversal books in full', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: MAX_SIMULATOR_BALANCE - 1000 } }, now: () => NOW });
  assert.equal((await ask(sim, tx('0100', '000001', 1000)))?.['39'], '00', 'the hold');
  assert.equal((await ask(sim, { ...tx('0220', '000002', 800), 90: original('0100', '000001') }))?.['39'], '00', 'the completion');
  assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE - 1800);
  assert.equal((await ask(sim, tx('0220', '000003', 1001, { 3: '200000' })))?.['39'], '13', 'the completion may still be reversed');
  assert.equal((await ask(sim, tx('0220', '000004', 1000, { 3: '200000' })))?.['39'], '00');
  // The completion reversed: its 8.00 back, the 10.00 hold put back on the pre-authorisation; that reversed too.
  assert.equal((await ask(sim, { ...tx('0420', '000005', 800), 90: original('0220', '000002') }))?.['39'], '00');
  assert.equal((await ask(sim, { ...tx('0400', '000006', 1000), 90: original('0100', '000001') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), MAX_SIMULATOR_BALANCE, 'every reversal booked, the balance at the cap, not past it');
});

test('host simulator balance cap – a debit advice that would take the balance below -MAX_SIMULATOR_BALANCE is declined 51 over a socket, books nothing, and its repeat is too', async (t) => {
  // Before: debit advices are posted without the balance checks, so two took the balance to -1000000000000 (13
  // digits): the balance inquiry then got 96 (field 54, D and 12 digits, does not pack).
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 0 } }, now: () => NOW });
  const { port } = await startEndpoint(t, { sequence: sim });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(tx('0220', '000001', MAX_SIMULATOR_BALANCE - 500))).fields['39'], '00', 'posted below zero, as an advice is');
  const advice = tx('0220', '000002', 1000);
  assert.equal((await client.request(advice)).fields['39'], '51', 'insufficient funds: past what field 54 carries');
  assert.equal(sim.balanceOf(VISA), -(MAX_SIMULATOR_BALANCE - 500), 'nothing booked');
  assert.equal((await client.request({ ...advice, 0: '0221' })).fields['39'], '51', 'the repeat gets the same answer');
  assert.equal(sim.balanceOf(VISA), -(MAX_SIMULATOR_BALANCE - 500));
  assert.equal((await client.request(tx('0220', '000003', 500))).fields['39'], '00', 'down to the floor');
  const asked = await client.request(inquiry('000004'));
  assert.equal(asked.fields['39'], '00', 'the balance inquiry is answered');
  assert.equal(asked.fields['54'], `0002840D${MAX_SIMULATOR_BALANCE}`);
});

test('host simulator balance cap – a completion debits only what it adds to its pre-authorisation\'s hold: allowed down to the floor', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 1000 } }, now: () => NOW });
  assert.equal((await ask(sim, tx('0100', '000001', 1000)))?.['39'], '00', 'the hold');
  assert.equal((await ask(sim, tx('0220', '000002', MAX_SIMULATOR_BALANCE)))?.['39'], '00', 'a debit advice to the floor');
  assert.equal(sim.balanceOf(VISA), -MAX_SIMULATOR_BALANCE);
  // The completion releases the 10.00 hold and debits 10.00 in its place: the balance stays at the floor.
  assert.equal((await ask(sim, { ...tx('0220', '000003', 1000), 90: original('0100', '000001') }))?.['39'], '00', 'the completion');
  assert.equal(sim.balanceOf(VISA), -MAX_SIMULATOR_BALANCE);
  assert.equal((await ask(sim, tx('0220', '000004', 1)))?.['39'], '51', 'one more minor unit is past the floor');
  assert.equal(sim.balanceOf(VISA), -MAX_SIMULATOR_BALANCE);
});

test('host simulator balance cap – a debit advice that leaves no room for the reversal of a refund is declined 51; the reversal then books in full', async () => {
  // Before: the refund's reversal took 10.00 back below the floor, past what field 54 carries.
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 0 } }, now: () => NOW });
  assert.equal((await ask(sim, tx('0200', '000001', 1000, { 3: '200000' })))?.['39'], '00', 'the refund');
  assert.equal((await ask(sim, tx('0220', '000002', MAX_SIMULATOR_BALANCE)))?.['39'], '00', 'a debit advice to the floor, the refund\'s reversal counted');
  assert.equal(sim.balanceOf(VISA), -(MAX_SIMULATOR_BALANCE - 1000));
  assert.equal((await ask(sim, tx('0220', '000003', 1)))?.['39'], '51', 'no room for the refund\'s reversal');
  assert.equal(sim.balanceOf(VISA), -(MAX_SIMULATOR_BALANCE - 1000), 'nothing booked');
  assert.equal((await ask(sim, { ...tx('0400', '000004', 1000, { 3: '200000' }), 90: original('0200', '000001') }))?.['39'], '00', 'the refund reversed');
  assert.equal(sim.balanceOf(VISA), -MAX_SIMULATOR_BALANCE, 'in full, and no further than the floor');
});

// The simulated issuer's reversals as an issuer books them: partial reversals (field 95), a pre-authorisation and its
// completion both reversed in either order, a reversal that arrives before its original, a resend after a reversal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHostSimulator } from '../src/index.js';
import type { HostSimulator } from '../src/index.js';
import { startEndpoint } from './support/endpoint.js';
import { TestClient } from './support/client.js';
import { VISA, ask, original, tx } from './support/simulator.js';

const MASTERCARD = '5555555555554444';

const NOW = new Date(Date.UTC(2026, 10, 21, 10, 30, 0));

function host(): HostSimulator {
  return createHostSimulator({ cards: { [VISA]: { balance: 100000 } }, now: () => NOW });
}

/** Field 95 (replacement amounts, an 42) with `actual` as the actual transaction amount. */
function replacement(actual: number): string {
  return String(actual).padStart(12, '0') + '0'.repeat(30);
}

test('host simulator reversals – a partial reversal (field 95: 6.00 of 10.00 dispensed) gives back 4.00, once', async () => {
  const sim = host();
  assert.equal((await ask(sim, tx('0200', '000001', 1000)))?.['39'], '00');
  const partial = { ...tx('0400', '000002', 1000), 90: original('0200', '000001'), 95: replacement(600) };
  assert.equal((await ask(sim, partial))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000 - 600, 'only what was not dispensed comes back');
  for (const mti of ['0401', '0420', '0421']) await ask(sim, { ...partial, 0: mti });
  assert.equal(sim.balanceOf(VISA), 100000 - 600, 'a repeat of the partial reversal gives nothing more back');
  // A second partial reversal (4.00 in the end) gives back what is over it, not more than is left.
  assert.equal((await ask(sim, { ...partial, 11: '000003', 95: replacement(400) }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000 - 400);
  assert.equal((await ask(sim, { ...partial, 11: '000004', 95: replacement(900) }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000 - 400, 'an actual amount over what stands moves nothing');
  // A full reversal then gives back the rest; an actual amount of 0 is a full reversal.
  assert.equal((await ask(sim, { ...partial, 11: '000005', 95: replacement(0) }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000);
  assert.equal((await ask(sim, { ...partial, 11: '000006', 95: 'not digits' }))?.['39'], '30');
});

test('host simulator reversals – an actual amount over the original (field 95 over field 4, or over the journal) is refused 13, moves nothing', async () => {
  const sim = host();
  assert.equal((await ask(sim, tx('0200', '000007', 1000)))?.['39'], '00');
  const over = { ...tx('0400', '000008', 1000), 90: original('0200', '000007'), 95: replacement(1500) };
  assert.equal((await ask(sim, over))?.['39'], '13', 'over field 4 of the reversal');
  assert.equal((await ask(sim, { ...over, 0: '0420', 4: '000000002000' }))?.['39'], '13', 'over the amount the journal holds');
  assert.equal((await ask(sim, { ...over, 4: 'x' }))?.['39'], '13', 'no readable field 4: the journal still bounds it');
  assert.equal(sim.balanceOf(VISA), 99000, 'nothing moved');
  // The transaction still stands in full: a partial reversal within it, then a full one, book as usual.
  assert.equal((await ask(sim, { ...over, 95: replacement(1000) }))?.['39'], '00', 'the whole amount done: nothing back');
  assert.equal(sim.balanceOf(VISA), 99000);
  assert.equal((await ask(sim, { ...over, 11: '000009', 95: replacement(0) }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator reversals – a partial reversal of a refund takes back only what is over the actual amount', async () => {
  const sim = host();
  await ask(sim, tx('0200', '000010', 1000, { 3: '200000' }));
  assert.equal(sim.balanceOf(VISA), 101000);
  await ask(sim, { ...tx('0400', '000011', 1000), 90: original('0200', '000010'), 95: replacement(700) });
  assert.equal(sim.balanceOf(VISA), 100700);
});

test('host simulator reversals – a pre-authorisation reversed after its completion, then the completion reversed: nothing held', async () => {
  const sim = host();
  await ask(sim, tx('0100', '000020', 1000));
  await ask(sim, { ...tx('0220', '000021', 800), 90: original('0100', '000020') });
  assert.equal(sim.balanceOf(VISA), 100000 - 800);
  assert.equal((await ask(sim, { ...tx('0400', '000022', 1000), 90: original('0100', '000020') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000 - 800, 'the completion took the hold over: the pre-authorisation releases nothing');
  assert.equal((await ask(sim, { ...tx('0420', '000023', 800), 90: original('0220', '000021') }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000, 'the hold of a reversed pre-authorisation is not put back');
});

test('host simulator reversals – a partially reversed pre-authorisation holds the actual amount; its completion releases that', async () => {
  const sim = host();
  await ask(sim, tx('0100', '000030', 1000));
  await ask(sim, { ...tx('0400', '000031', 1000), 90: original('0100', '000030'), 95: replacement(600) });
  assert.equal(sim.balanceOf(VISA), 100000 - 600);
  await ask(sim, { ...tx('0220', '000032', 500), 90: original('0100', '000030') });
  assert.equal(sim.balanceOf(VISA), 100000 - 500);
  await ask(sim, { ...tx('0420', '000033', 500), 90: original('0220', '000032') });
  assert.equal(sim.balanceOf(VISA), 100000 - 600, 'the completion reversed: the hold of 6.00 is back');
  await ask(sim, { ...tx('0420', '000034', 1000), 90: original('0100', '000030') });
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator reversals – a reversal before its original is remembered: the late 0200 is declined 05 and moves no money', async () => {
  const sim = host();
  const reversal = { ...tx('0420', '000041', 1000), 90: original('0200', '000040') };
  assert.equal((await ask(sim, reversal))?.['39'], '25');
  assert.equal((await ask(sim, { ...reversal, 0: '0421' }))?.['39'], '25');
  const late = await ask(sim, tx('0200', '000040', 1000));
  assert.equal(late?.['39'], '05');
  assert.equal(late?.['38'], undefined);
  assert.equal(sim.balanceOf(VISA), 100000);
  assert.deepEqual(await ask(sim, tx('0201', '000040', 1000)), late, 'its repeat gets the same decline');
  assert.equal((await ask(sim, { ...reversal, 0: '0421' }))?.['39'], '00', 'a repeat of the reversal now finds it');
  assert.equal(sim.balanceOf(VISA), 100000);
  // Another transaction with that STAN (another transmission time) is not the one reversed.
  assert.equal((await ask(sim, tx('0200', '000040', 1000, { 7: '1121103001' })))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 99000);
});

test('host simulator reversals – a reversal without field 90 before its original (STAN, terminal, acquirer); a late advice posts nothing', async () => {
  const sim = host();
  assert.equal((await ask(sim, tx('0400', '000050', 1000)))?.['39'], '25');
  assert.equal((await ask(sim, tx('0200', '000050', 1000)))?.['39'], '05');
  assert.equal((await ask(sim, { ...tx('0420', '000052', 700), 90: original('0220', '000051') }))?.['39'], '25');
  assert.equal((await ask(sim, tx('0220', '000051', 700)))?.['39'], '00', 'an advice is acknowledged');
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator reversals – a 1993 reversal (field 56) before its 1200: the 1200 is declined 100', async () => {
  const sim = host();
  const original56 = '1200' + '000060' + '261121103000' + '06123456';
  const reversal = { ...tx('1420', '000061', 1000), 12: '261121103000', 56: original56 };
  assert.equal((await ask(sim, reversal))?.['39'], '914');
  assert.equal((await ask(sim, { ...tx('1200', '000060', 1000), 12: '261121103000' }))?.['39'], '100');
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator reversals – a request resent after its reversal is declined 05, not approved again', async () => {
  const sim = host();
  const approved = await ask(sim, tx('0200', '000070', 1000));
  assert.equal(approved?.['39'], '00');
  await ask(sim, { ...tx('0400', '000071', 1000), 90: original('0200', '000070') });
  assert.equal(sim.balanceOf(VISA), 100000);
  for (const mti of ['0200', '0201']) {
    const again = await ask(sim, tx(mti, '000070', 1000));
    assert.equal(again?.['39'], '05', mti);
    assert.equal(again?.['38'], undefined);
    assert.equal(again?.['37'], approved?.['37'], 'the same retrieval reference');
  }
  assert.equal(sim.balanceOf(VISA), 100000);
  // A partial reversal leaves the transaction standing: its resend gets the approval again.
  await ask(sim, tx('0200', '000072', 1000));
  await ask(sim, { ...tx('0400', '000073', 1000), 90: original('0200', '000072'), 95: replacement(600) });
  assert.equal((await ask(sim, tx('0200', '000072', 1000)))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 99400);
});

test('host simulator reversals – reversals before their original are remembered up to journalSize, oldest dropped', async () => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 100000 } }, now: () => NOW, journalSize: 2 });
  for (const stan of ['000080', '000081', '000082']) {
    await ask(sim, { ...tx('0420', '000099', 100), 90: original('0200', stan) });
  }
  assert.equal((await ask(sim, tx('0200', '000080', 100)))?.['39'], '00', 'the oldest was dropped');
  assert.equal((await ask(sim, tx('0200', '000081', 100)))?.['39'], '05');
  assert.equal((await ask(sim, tx('0200', '000082', 100)))?.['39'], '05');
  assert.equal(sim.balanceOf(VISA), 99900);
});

test('host simulator reversals – over a socket, a reversal carrying another card (field 2) than the original is answered 25 and moves nothing', async (t) => {
  const sim = createHostSimulator({ cards: { [VISA]: { balance: 100000 }, [MASTERCARD]: { balance: 100000 } }, now: () => NOW });
  const { port } = await startEndpoint(t, { sequence: sim });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(tx('0200', '000001', 1000))).fields['39'], '00');
  for (const reversal of [tx('0400', '000001', 1000, { 2: MASTERCARD }), { ...tx('0420', '000002', 1000, { 2: MASTERCARD }), 90: original('0200', '000001') }]) {
    assert.equal((await client.request(reversal)).fields['39'], '25', String(reversal['0']));
  }
  assert.equal(sim.balanceOf(VISA), 99000, 'the first card\'s purchase stands');
  assert.equal(sim.balanceOf(MASTERCARD), 100000);
  // Track 2 names the card when field 2 is absent; the right card reverses it.
  const track = { ...tx('0400', '000001', 1000, { 35: `${MASTERCARD}=29121010000000000000` }) };
  delete track['2'];
  assert.equal((await client.request(track)).fields['39'], '25');
  // A reversal comes from its original's terminal: another terminal's (41) finds nothing either.
  assert.equal((await client.request({ ...tx('0400', '000003', 1000, { 41: 'TERM0002' }), 90: original('0200', '000001') })).fields['39'], '25');
  assert.equal((await client.request(tx('0400', '000001', 1000))).fields['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator reversals – a partial reversal before its original: the late original is approved and only the actual amount taken', async () => {
  const sim = host();
  const partial = { ...tx('0400', '000090', 1000), 90: original('0200', '000089'), 95: replacement(600) };
  assert.equal((await ask(sim, partial))?.['39'], '25');
  assert.equal((await ask(sim, tx('0200', '000089', 1000)))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000 - 600, '6.00 dispensed, 4.00 never taken');
  assert.equal((await ask(sim, { ...partial, 0: '0401' }))?.['39'], '00', 'its repeat now finds the original');
  assert.equal(sim.balanceOf(VISA), 100000 - 600);
  // An advice the same way (1993: a 401 before its 1220).
  const local = '261121103000';
  const early = { ...tx('1420', '000092', 300, { 12: local, 24: '401' }), 56: `1220000091${local}06123456` };
  assert.equal((await ask(sim, early))?.['39'], '914');
  assert.equal((await ask(sim, tx('1220', '000091', 1000, { 12: local })))?.['39'], '000');
  assert.equal(sim.balanceOf(VISA), 100000 - 600 - 300);
});

test('host simulator reversals – pre-authorisation 50, completion 45, pre-authorisation reversed to 30, completion reversed: 30 held', async () => {
  const sim = host();
  await ask(sim, tx('0100', '000100', 5000));
  await ask(sim, { ...tx('0220', '000101', 4500), 90: original('0100', '000100') });
  assert.equal(sim.balanceOf(VISA), 100000 - 4500);
  assert.equal((await ask(sim, { ...tx('0400', '000102', 5000), 90: original('0100', '000100'), 95: replacement(3000) }))?.['39'], '00');
  assert.equal(sim.balanceOf(VISA), 100000 - 4500, 'the completion holds the money: nothing to give back yet');
  await ask(sim, { ...tx('0420', '000103', 4500), 90: original('0220', '000101') });
  assert.equal(sim.balanceOf(VISA), 100000 - 3000, 'the pre-authorisation stands at 30.00: that is what is held again');
  await ask(sim, { ...tx('0420', '000104', 5000), 90: original('0100', '000100') });
  assert.equal(sim.balanceOf(VISA), 100000);
});

test('host simulator reversals – x4xx of issuer or other origin (0402, 0403, 0422, 0424) and notifications (0440, 1440) get 12 and move nothing', async () => {
  const sim = host();
  await ask(sim, tx('0200', '000110', 1000));
  for (const mti of ['0402', '0403', '0422', '0424', '0440']) {
    const reply = await ask(sim, { ...tx(mti, '000111', 1000), 90: original('0200', '000110') });
    assert.equal(reply?.['39'], '12', mti);
  }
  const local = '261121103000';
  await ask(sim, tx('1200', '000112', 1000, { 12: local }));
  assert.equal((await ask(sim, { ...tx('1440', '000113', 1000, { 12: local, 24: '400' }), 56: `1200000112${local}06123456` }))?.['39'], '902');
  assert.equal(sim.balanceOf(VISA), 98000, 'both purchases stand');
});

// The money figures of a transaction sent more than once (money-repeats.ts): the bank books it once, so it counts once,
// in `iso8583_connector_amount_total` and SocketQueue's figures alike. Before: a 0200 (30.00, approved), its 0400
// (approved) and the 0401 repeat (approved) counted the reversal twice (metric 6000, reversalAmount 60, securedAmount
// -30), and a 0200 and its 0201 repeat (both approved) counted securedAmount twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { heldAtHost } from './helpers/held-at-host.js';
import type { HeldAtHost } from './helpers/held-at-host.js';
import { peerAndConnector } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** The reversal (0400, its own STAN `stan`) of `original`, naming it in field 90. */
function reversalOf(original: IsoMessage, stan: string): IsoMessage {
  return { ...original, '0': '0400', '11': stan, '90': `0200${original['11'] as string}${original['7'] as string}${'0'.repeat(22)}` };
}

/** The connector's amount totals as its metric reads, by kind. */
async function metricAmounts(connector: Connector): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of (await connector.registry.metrics()).matchAll(/^iso8583_connector_amount_total\{connector="default",kind="(\w+)"\} (\d+)$/gm)) {
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

/**
 * A bank that holds the first purchase (0200) it gets, until the test answers it, and answers (00) every other request
 * at once; a connector to it (requests time out in 300 ms, no transaction log), connected.
 */
function firstPurchaseHeld(t: AfterHook): Promise<HeldAtHost> {
  let first = true;
  const holds = (m: IsoMessage): boolean => {
    const hold = first && m['0'] === '0200';
    if (hold) first = false;
    return hold;
  };
  return heldAtHost(t, holds, { requestTimeout: 300, transactionLog: false });
}

/** A promise for the first `late-response` the connector reports. */
function lateResponse(connector: Connector): Promise<IsoMessage> {
  return new Promise((resolve) => connector.once('late-response', resolve));
}

test('a reversal and its repeat (0401), both accepted, reverse the purchase once', async (t) => {
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  const buy = { ...purchase('004901', 'TERM0009', '000000003000'), '7': '1206032000' };
  assert.equal((await connector.request(buy))['39'], '00');
  const reversal = reversalOf(buy, '004902');
  assert.equal((await connector.request(reversal))['39'], '00');
  assert.equal((await connector.request({ ...reversal, '0': '0401' }))['39'], '00', 'the bank answers the repeat (it reverses once)');
  // A second reversal of the same purchase (another STAN of its own, field 90 naming the purchase) undoes nothing more.
  assert.equal((await connector.request(reversalOf(buy, '004903')))['39'], '00');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 3000 });
  assert.deepEqual(await metricAmounts(connector), { processed: 3000, secured: 3000, reversal: 3000 }, 'the metric');
  assert.deepEqual([stats.socketQueue.reversalAmount, stats.socketQueue.securedAmount], [30, 0]);
});

test('a declined reversal, then its accepted repeat: the repeat reverses the purchase', async (t) => {
  let first = true;
  const { connector } = await peerAndConnector(
    t,
    (r, p) => {
      const decline = first && r.message['0'] === '0400';
      if (decline) first = false;
      p.send(r.socket, answer(r.message, decline ? { '39': '96' } : {}));
    },
    { transactionLog: false },
  );
  await connector.connect();
  const buy = { ...purchase('004911', 'TERM0009', '000000003000'), '7': '1206032000' };
  await connector.request(buy);
  const reversal = reversalOf(buy, '004912');
  assert.equal((await connector.request(reversal))['39'], '96');
  assert.equal((await connector.request({ ...reversal, '0': '0401' }))['39'], '00');
  assert.equal(connector.stats().amounts.reversal, 3000);
  assert.equal(connector.stats().socketQueue.reversalAmount, 30);
});

test('a purchase and its repeat (0201), both approved, are secured once; a new purchase under the key counts again', async (t) => {
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  const buy = { ...purchase('004921', 'TERM0010', '000000001500'), '7': '1206032100' };
  assert.equal((await connector.request(buy))['39'], '00');
  assert.equal((await connector.request({ ...buy, '0': '0201' }))['39'], '00');
  let stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1500, secured: 1500, refund: 0, reversal: 0 });
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [15, 15]);
  // The STAN used again by a new purchase (an original): a transaction of its own.
  assert.equal((await connector.request({ ...buy, '7': '1206042100' }))['39'], '00');
  stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 0 });
  assert.equal(stats.socketQueue.securedAmount, 30);
});

test('a purchase that timed out, its approved repeat, then the purchase\'s late approval: secured once', async (t) => {
  const { connector, atHost, answerHeld } = await firstPurchaseHeld(t);
  const buy = { ...purchase('004931', 'TERM0010', '000000001500'), '7': '1206032100' };
  await assert.rejects(connector.request(buy), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await within(atHost, 10_000, 'the purchase to reach the bank');
  assert.equal((await connector.request({ ...buy, '0': '0201' }, { timeout: 20_000 }))['39'], '00');
  let stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1500, secured: 1500, refund: 0, reversal: 0 }, 'the repeat\'s approval counts: nothing of its original did');
  assert.equal(stats.socketQueue.securedAmount, 15);
  const late = lateResponse(connector);
  answerHeld();
  await within(late, 10_000, 'the purchase\'s approval to come late');
  stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1500, secured: 1500, refund: 0, reversal: 0 }, 'its late approval is the same booking');
  assert.equal(stats.socketQueue.securedAmount, 15);
});

test('another acquirer\'s purchase under the same STAN and terminal opens nothing of the first: its repeat adds nothing', async (t) => {
  // Before (keyed by STAN and terminal only): acquirer 222222's purchase (declined) forgot acquirer 123456's counted
  // approval, so the first's approved repeat (0201) was secured again: 15.00 + 15.00.
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message, r.message['32'] === '222222' ? { '39': '05' } : {})), {
    transactionLog: false,
  });
  await connector.connect();
  const first = { ...purchase('004941', 'TERM0011', '000000001500'), '7': '1206033000' };
  const other = { ...purchase('004941', 'TERM0011', '000000002000'), '7': '1206033100', '32': '222222' };
  assert.equal((await connector.request(first))['39'], '00');
  assert.equal((await connector.request(other))['39'], '05');
  assert.equal((await connector.request({ ...first, '0': '0201' }))['39'], '00');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3500, secured: 1500, refund: 0, reversal: 0 });
  assert.equal(stats.socketQueue.securedAmount, 15);
});

test('a purchase resent as it was (the same 0200 again, a terminal retrying), approved twice, counts once; another purchase of the same amount counts again', async (t) => {
  // Before: the resent 0200 opened its transaction afresh, so its approval was counted a second time (processed and
  // secured 3000, securedAmount 30, processedAmount 30) for one booking at the bank.
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  const buy = { ...purchase('004951', 'TERM0012', '000000001500'), '7': '1206034000' };
  assert.equal((await connector.request(buy))['39'], '00');
  assert.equal((await connector.request({ ...buy }))['39'], '00', 'the bank answers the resend (it books once)');
  let stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1500, secured: 1500, refund: 0, reversal: 0 });
  assert.deepEqual(await metricAmounts(connector), { processed: 1500, secured: 1500 }, 'the metric');
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [15, 15]);
  // Another purchase of the same amount and card, its own STAN: a transaction of its own.
  assert.equal((await connector.request({ ...buy, '11': '004952' }))['39'], '00');
  stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 3000, secured: 3000, refund: 0, reversal: 0 });
  assert.deepEqual(await metricAmounts(connector), { processed: 3000, secured: 3000 }, 'the metric');
  assert.deepEqual([stats.socketQueue.securedAmount, stats.socketQueue.processedAmount], [30, 30]);
});

test('a purchase that timed out unanswered, resent as it was and approved, then its late approval: counted once', async (t) => {
  const { connector, atHost, answerHeld } = await firstPurchaseHeld(t);
  const buy = { ...purchase('004961', 'TERM0012', '000000001500'), '7': '1206035000' };
  await assert.rejects(connector.request(buy), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await within(atHost, 10_000, 'the purchase to reach the bank');
  assert.equal((await connector.request({ ...buy }, { timeout: 20_000 }))['39'], '00');
  const late = lateResponse(connector);
  answerHeld();
  await within(late, 10_000, 'the first send\'s approval to come late');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1500, secured: 1500, refund: 0, reversal: 0 }, 'one booking');
  assert.equal(stats.socketQueue.securedAmount, 15);
});

test('a partial reversal (field 95: 60.00 stays of 100.00), accepted, counts the 40.00 it undid', async (t) => {
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), { transactionLog: false });
  await connector.connect();
  const buy = { ...purchase('004951', 'TERM0009', '000000010000'), '7': '1206032000' };
  assert.equal((await connector.request(buy))['39'], '00');
  // Field 95 (ISO 8583:1987, replacement amounts): its first 12 digits the transaction amount that stays.
  const partial = { ...reversalOf(buy, '004952'), '95': `000000006000${'0'.repeat(30)}` };
  assert.equal((await connector.request(partial))['39'], '00');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 10000, secured: 10000, refund: 0, reversal: 4000 });
  assert.deepEqual(await metricAmounts(connector), { processed: 10000, secured: 10000, reversal: 4000 }, 'the metric');
  assert.deepEqual([stats.socketQueue.reversalAmount, stats.socketQueue.securedAmount], [40, 60]);
});

test('a purchase that timed out, its approved repeat, then the purchase\'s late approval without field 7: secured once', async (t) => {
  // Before: the late 0210 (the bank not echoing field 7) named no transmission of the purchase's, so it opened a record
  // of its own and was counted again (processed and secured 3000, securedAmount 30) for one booking at the bank.
  const { connector, atHost, answerHeld } = await firstPurchaseHeld(t);
  const buy = { ...purchase('004971', 'TERM0013', '000000001500'), '7': '1206036000' };
  await assert.rejects(connector.request(buy), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await within(atHost, 10_000, 'the purchase to reach the bank');
  assert.equal((await connector.request({ ...buy, '0': '0201' }, { timeout: 20_000 }))['39'], '00');
  const late = lateResponse(connector);
  answerHeld((approval) => {
    delete approval['7'];
    return approval;
  });
  assert.equal((await within(late, 10_000, 'the purchase\'s approval to come late'))['7'], undefined, 'the bank echoed no field 7');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1500, secured: 1500, refund: 0, reversal: 0 }, 'its late approval is the same booking');
  assert.equal(stats.socketQueue.securedAmount, 15);
});

test('a repeat (0201) answered 0211 (a repeat\'s answer) counts in SocketQueue\'s figures as in the amounts', async (t) => {
  // Before: the amounts counted it (a 0211 answers a 0201) while SocketQueue's figures took only 0210 and 0410.
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, { ...answer(r.message), '0': '0211' }), { transactionLog: false });
  await connector.connect();
  const buy = purchase('004961', 'TERM0016', '000000001500');
  assert.equal((await connector.request({ ...buy, '0': '0201' }))['0'], '0211');
  const stats = connector.stats();
  assert.deepEqual(stats.amounts, { processed: 1500, secured: 1500, refund: 0, reversal: 0 });
  assert.equal(stats.socketQueue.securedAmount, 15);
});

// An answer its POS client never got (the client's connection gone before the reply is written) is reversed when it
// moved money, not only when field 39 is one of the dialect's approval codes: a partial approval (ISO 8583:1987 `10`,
// with field 4 of a lower amount; ISO 8583:1993 `002`) charged the cardholder as much as a `00`. A decline (`05`)
// moved nothing and is left alone. Real sockets: a bank endpoint, the upstream connector with its SAF journal, the
// gateway's POS endpoint (a relaying sequence, `onLateResult` set to `lateApproval`) and a POS client that goes away
// while its request is at the bank; gates and events, not sleeps, order the steps.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import { getDialect } from '@iso8583/codec';
import { responseMti } from '@iso8583/inbound';
import { lateApprovalGateway, reversalAnswered } from './helpers/late-approval-gateway.js';
import type { LateApprovalGateway } from './helpers/late-approval-gateway.js';

/** The gateway in `dialect` (bank, upstream and POS alike); the bank answers each STAN with `answers[stan]` (field 39, and field 4 when given). */
function gateway(t: TestContext, dialect: string | Dialect, answers: Record<string, { 39: string; 4?: string }>): Promise<LateApprovalGateway> {
  const iso93 = typeof dialect === 'string' ? dialect.startsWith('iso93') : dialect.version === '1993';
  return lateApprovalGateway(t, dialect, (m) => {
    const reversal = m.mti.startsWith('04') || m.mti.startsWith('14');
    const answer = reversal ? { 39: iso93 ? '400' : '00' } : answers[m.fields['11'] as string] ?? { 39: '96' };
    return { ...m.fields, 0: responseMti(m.mti), ...answer };
  });
}

const purchase = (stan: string): IsoMessage => ({
  0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1201120000', 11: stan, 41: 'TERM0001', 49: '840',
});

test('late approval class – a partial approval (10, field 4 lower) the POS client never got is reversed once (0400, field 90 naming it)', async (t) => {
  const g = await gateway(t, 'iso87ascii', { '009101': { 39: '10', 4: '000000000600' } });
  const reversed = reversalAnswered(g.upstream);
  await g.goneClient(purchase('009101'));
  const e = await within(reversed, 10_000, 'the partial approval to be reversed');
  assert.equal(e.stan, '009101');
  assert.equal(e.kind, 'reversal');
  assert.deepEqual(g.bank.map((m) => m['0']), ['0200', '0400']);
  assert.match(String(g.bank[1]?.['90']), /^02000091011201120000/);
  // The host approved 6.00 of the 10.00 asked: the reversal undoes 6.00, what moved, never the 10.00 requested.
  assert.equal(g.bank[1]?.['4'], '000000000600', 'field 4 of the reversal is the amount approved');
  assert.equal(g.bank[1]?.['95'], undefined, 'a full reversal: no replacement amounts');
  assert.deepEqual(await g.outcomes(), ['client-gone/reversed=1']);
});

test('late approval class – with an ISO 8583:1993 upstream, a partial approval (002) the POS client never got is reversed (1420)', async (t) => {
  const g = await gateway(t, 'iso93ascii', { '009201': { 39: '002', 4: '000000000600' } });
  const reversed = reversalAnswered(g.upstream);
  await g.goneClient({ 0: '1200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '009201', 12: '261201120000', 41: 'TERM0001', 49: '840' });
  const e = await within(reversed, 10_000, 'the partial approval to be reversed');
  assert.equal(e.stan, '009201');
  assert.deepEqual(g.bank.map((m) => m['0']), ['1200', '1420']);
  assert.match(String(g.bank[1]?.['56']), /^1200009201261201120000/);
  assert.equal(g.bank[1]?.['24'], '400', 'a full reversal of what was approved');
  assert.equal(g.bank[1]?.['4'], '000000000600', 'field 4 of the reversal is the amount approved');
  assert.deepEqual(await g.outcomes(), ['client-gone/reversed=1']);
});

test('late approval class – SmartVista (3-digit field 39): a partial approval (010) the POS client never got is reversed for the amount approved', async (t) => {
  const g = await gateway(t, 'smartvista', { '009401': { 39: '010', 4: '000000000250' } });
  const reversed = reversalAnswered(g.upstream);
  await g.goneClient({ ...purchase('009401'), 12: '120000', 13: '1201', 22: '021', 24: '200', 25: '00', 32: '123456', 37: '000000009401', 41: '00000001', 42: '000000000000001' });
  const e = await within(reversed, 10_000, 'the partial approval to be reversed');
  assert.equal(e.stan, '009401');
  assert.deepEqual(g.bank.map((m) => m['0']), ['0200', '0400']);
  assert.equal(g.bank[1]?.['24'], '400');
  assert.equal(g.bank[1]?.['4'], '000000000250', 'field 4 of the reversal is the amount approved');
  assert.deepEqual(await g.outcomes(), ['client-gone/reversed=1']);
});

test('late approval class – a decline (05) the POS client never got is not reversed; an approval after it is (the SAF queue sends in order)', async (t) => {
  const g = await gateway(t, 'iso87ascii', { '009301': { 39: '05' }, '009302': { 39: '00' } });
  const reversed = reversalAnswered(g.upstream);
  await g.goneClient(purchase('009301'));
  await g.goneClient(purchase('009302'));
  const e = await within(reversed, 10_000, 'the approval to be reversed');
  // A reversal of the decline would have been queued first, and sent first.
  assert.equal(e.stan, '009302');
  await waitUntil(() => g.bank.length >= 3, { timeoutMs: 10_000, what: 'the reversal to reach the bank' });
  assert.deepEqual(g.bank.map((m) => m['0']), ['0200', '0200', '0400']);
  assert.match(String(g.bank[2]?.['90']), /^02000093021201120000/);
  assert.equal(g.bank[2]?.['4'], '000000001000', 'a full approval is reversed for the amount it approved, the amount asked');
  assert.deepEqual(await g.outcomes(), ['client-gone/reversed=1']);
});

test('late approval class – a dialect whose approvalClass leaves 11 out (a private network\'s decline): an 11 the POS client never got is not reversed, a 10 is', async (t) => {
  const g = await gateway(t, { ...getDialect('iso87ascii'), approvalClass: ['00', '08', '10', '16'] }, { '009501': { 39: '11' }, '009502': { 39: '10', 4: '000000000400' } });
  const reversed = reversalAnswered(g.upstream);
  await g.goneClient(purchase('009501'));
  await g.goneClient(purchase('009502'));
  const e = await within(reversed, 10_000, 'the partial approval to be reversed');
  // A reversal of the 11 would have been queued first, and sent first.
  assert.equal(e.stan, '009502');
  await waitUntil(() => g.bank.length >= 3, { timeoutMs: 10_000, what: 'the reversal to reach the bank' });
  assert.deepEqual(g.bank.map((m) => m['0']), ['0200', '0200', '0400']);
  assert.match(String(g.bank[2]?.['90']), /^02000095021201120000/);
  assert.equal(g.bank[2]?.['4'], '000000000400');
  assert.deepEqual(await g.outcomes(), ['client-gone/reversed=1']);
});

test('late approval class – a network management answer (0810 00) the POS client never got is not an undelivered approval', async (t) => {
  const g = await gateway(t, 'iso87ascii', { '009801': { 39: '00' } });
  await g.goneClient({ 0: '0800', 7: '1201120000', 11: '009801', 70: '301' });
  assert.deepEqual(g.bank.map((m) => m['0']), ['0800']);
  assert.deepEqual(await g.outcomes(), [], 'not counted (was client-gone/not-reversible=1)');
});

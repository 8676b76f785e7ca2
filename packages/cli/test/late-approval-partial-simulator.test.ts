// The host simulator answers a partial approval (`partialApproval`: a purchase over the card's balance approved for
// the balance, 10 with field 4 the amount approved), so that a partial-approval path can be tested end to end: here the
// gateway's. A POS client that goes away while its purchase of 10.00 is at the bank never gets the bank's 6.00 partial
// approval; the gateway reverses it through the upstream's SAF queue for the 6.00 approved (never the 10.00 asked),
// and the simulator gives the 6.00 back. Real sockets: the simulator's endpoint, the upstream connector with its SAF
// journal, the gateway's POS endpoint (a relaying sequence, `onLateResult` = `lateApproval`) and a POS client; gates
// and events order the steps.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { getDialect } from '@iso8583/codec';
import { createHostSimulator } from '@iso8583/inbound';
import type { SequenceContext } from '@iso8583/inbound';
import { lateApprovalGateway, reversalAnswered } from './helpers/late-approval-gateway.js';

const PAN = '4111111111111111';

async function partialGateway(t: TestContext, dialectName: string, request: IsoMessage): Promise<void> {
  const dialect = getDialect(dialectName);
  const iso93 = dialect.version === '1993';
  const simulator = createHostSimulator({ dialect, partialApproval: true, cards: { [PAN]: { balance: 600 } } });
  const answered: IsoMessage[] = [];
  const g = await lateApprovalGateway(t, dialect, (m) => {
    const reply = simulator(m, {} as SequenceContext) as IsoMessage;
    answered.push(reply);
    return reply;
  });
  const reversed = reversalAnswered(g.upstream);
  await g.goneClient(request);
  const e = await within(reversed, 10_000, 'the partial approval to be reversed');
  assert.equal(e.kind, 'reversal');
  assert.deepEqual(g.bank.map((m) => m['0']), iso93 ? ['1200', '1420'] : ['0200', '0400']);
  assert.equal(answered[0]?.['39'], iso93 ? '002' : dialectName === 'smartvista' ? '010' : '10', 'a partial approval');
  assert.equal(answered[0]?.['4'], '000000000600', 'field 4 of the answer: the amount approved');
  assert.equal(g.bank[1]?.['4'], '000000000600', 'the reversal carries the amount approved, not the 10.00 asked');
  assert.equal(answered[1]?.['39'], iso93 ? '400' : dialectName === 'smartvista' ? '000' : '00', 'the simulator accepted the reversal');
  assert.equal(simulator.balanceOf(PAN), 600, 'the 6.00 approved is given back, nothing more');
  assert.deepEqual(await g.outcomes(), ['client-gone/reversed=1']);
}

test('late approval – the simulator\'s partial approval (10, 6.00 of 10.00) the POS client never got is reversed for 6.00 through the gateway', async (t) => {
  await partialGateway(t, 'iso87ascii', { 0: '0200', 2: PAN, 3: '000000', 4: '000000001000', 7: '1201120000', 11: '009501', 41: 'TERM0001', 49: '840' });
});

test('late approval – the simulator\'s ISO 8583:1993 partial approval (002) the POS client never got is reversed (1420) for the amount approved', async (t) => {
  await partialGateway(t, 'iso93ascii', { 0: '1200', 2: PAN, 3: '000000', 4: '000000001000', 11: '009502', 12: '261201120000', 41: 'TERM0001', 49: '840' });
});

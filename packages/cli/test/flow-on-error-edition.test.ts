// A flow judges onError's answer to a sequence that failed by the edition its MTI says (isApprovalClass with the
// message's MTI), as the gateway writes codes (responseCodeFor): under a 1987 dialect whose field 39 has 3 digits
// (SmartVista), onError's stand-in `002` to a 1200 is the 1993 partial approval the terminal was told, so the
// sequence's approval at the bank is kept (it read as the 1987 `02` and the approval was reversed while the terminal
// kept its partial approval); onError's `116` (not sufficient funds) still reverses it. Real sockets: a bank
// endpoint approving with 000 behind a connector, the flow's endpoint with its approval book, a terminal's connector, all in smartvista.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createInboundEndpoint, responseMti } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';

const DIALECT = 'smartvista';

/** The bank, the flow's endpoint whose sequence gets the bank's approval then fails, onError answering `code`; what was reversed. */
async function flow(t: TestContext, code: string): Promise<{ terminal: ReturnType<typeof createConnector>; reversed: string[]; bankAnswers: unknown[] }> {
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', dialect: DIALECT, sequence: (m) => ({ ...m.fields, 0: responseMti(m.mti), 39: '000' }) });
  const bankPort = (await host.start()).port;
  t.after(() => host.close());
  const bank = createConnector({ host: '127.0.0.1', port: bankPort, dialect: DIALECT });
  t.after(() => bank.destroy());
  const reversed: string[] = [];
  const bankAnswers: unknown[] = [];
  const approvals = new UndeliveredApprovals((original, _answer, _upstream, reason) => void reversed.push(`${String(original['11'])}/${reason}`));
  approvals.bind({ dialect: DIALECT, sequenceTimeout: 10_000 });
  const endpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect: DIALECT,
    sequenceTimeout: 10_000,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const paid = await (context.connectors.bank as typeof bank).request({ ...message.fields });
      bankAnswers.push(paid['0'], paid['39']);
      throw new Error('the sequence failed after the approval');
    }),
    onError: approvals.onError((message) => ({ ...message.fields, 0: '1210', 39: code })),
    onLateResult: approvals.onLateResult,
  });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const terminal = createConnector({ host: '127.0.0.1', port, dialect: DIALECT, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  return { terminal, reversed, bankAnswers };
}

/** A purchase of 10.00 on 1993 MTIs with a test card number. */
function purchase(stan: string): IsoMessage {
  return { 0: '1200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: stan, 12: '043000', 13: '1204', 41: '00000001', 49: '840' };
}

test('flow onError – a stand-in 002 answering a 1200 under smartvista is the terminal\'s approval: the bank\'s approval is kept', async (t) => {
  const { terminal, reversed, bankAnswers } = await flow(t, '002');
  const answer = (await within(terminal.request(purchase('000091')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '002', 'the terminal was told a partial approval');
  assert.deepEqual(bankAnswers, ['1210', '000'], 'the bank approved');
  assert.deepEqual(reversed, [], 'nothing reversed: the terminal was told approved');
});

test('flow onError – a stand-in 116 answering a 1200 under smartvista is a decline: the bank\'s approval is reversed', async (t) => {
  const { terminal, reversed } = await flow(t, '116');
  const answer = (await within(terminal.request(purchase('000092')), 10_000, 'the terminal answered')) as IsoMessage;
  assert.equal(answer['39'], '116');
  assert.deepEqual(reversed, ['000092/sequence-failed']);
});

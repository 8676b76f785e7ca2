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
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { createCodec, encodeFrame, getDialect } from '@iso8583/codec';
import { FileJournal, createConnector } from '@iso8583/connector';
import type { SafEvent } from '@iso8583/connector';
import { EncodedReply, createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { InboundMessage, LateResultHandler, SequenceContext } from '@iso8583/inbound';

import { lateApproval } from '../src/gateway/late-approval.js';

const PAN = '4111111111111111';

async function partialGateway(t: TestContext, dialectName: string, request: IsoMessage): Promise<void> {
  const dialect = getDialect(dialectName);
  const iso93 = dialect.version === '1993';
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-partial-simulator-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const simulator = createHostSimulator({ dialect, partialApproval: true, cards: { [PAN]: { balance: 600 } } });
  const bank: IsoMessage[] = [];
  const answered: IsoMessage[] = [];
  const bankEndpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect,
    sequence: (m: InboundMessage) => {
      bank.push(m.fields);
      const reply = simulator(m, {} as SequenceContext) as IsoMessage;
      answered.push(reply);
      return reply;
    },
  });
  const { port } = await bankEndpoint.start();
  t.after(() => bankEndpoint.destroy());
  const upstream = createConnector({ host: '127.0.0.1', port, dialect, reversal: { enabled: true, journal: new FileJournal(dir), mti: iso93 ? '0420' : '0400' } });
  await upstream.connect();
  t.after(() => upstream.close());
  const reversed = new Promise<SafEvent>((resolve) => upstream.on('saf', (e) => e.stage === 'answered' && resolve(e)));
  const codec = createCodec(dialect);
  const registry = new Registry();
  const late = lateApproval({ connector: upstream, logger: pino({ level: 'silent' }), registry });
  let reachBank = (): void => undefined;
  let release = (): void => undefined;
  let hand = (): void => undefined;
  const reached = new Promise<void>((resolve) => (reachBank = resolve));
  const given = new Promise<void>((resolve) => (hand = resolve));
  const onLateResult: LateResultHandler = (result, message, context, reason) => {
    late(result, message, context, reason);
    hand();
  };
  const pos = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    dialect,
    sequenceTimeout: 10_000,
    onLateResult,
    sequence: async (m) => {
      await new Promise<void>((resolve) => {
        release = resolve;
        reachBank();
      });
      const answer = (await upstream.request(m.fields)) as IsoMessage;
      return new EncodedReply(answer, codec.pack(answer), dialect);
    },
  });
  const { port: posPort } = await pos.start();
  t.after(() => pos.destroy());
  const gone = new Promise<void>((resolve) => pos.once('disconnect', () => resolve()));
  const client = connect(posPort, '127.0.0.1');
  t.after(() => void client.destroy());
  await within(once(client, 'connect'), 10_000, 'the POS client to connect');
  client.write(encodeFrame(codec.pack(request)));
  await within(reached, 10_000, 'the sequence to start');
  client.resetAndDestroy();
  await within(gone, 10_000, 'the gateway to see the client go');
  release();
  await within(given, 10_000, 'the answer to be handed over as undelivered');
  const e = await within(reversed, 10_000, 'the partial approval to be reversed');
  assert.equal(e.kind, 'reversal');
  assert.deepEqual(bank.map((m) => m['0']), iso93 ? ['1200', '1420'] : ['0200', '0400']);
  assert.equal(answered[0]?.['39'], iso93 ? '002' : dialectName === 'smartvista' ? '010' : '10', 'a partial approval');
  assert.equal(answered[0]?.['4'], '000000000600', 'field 4 of the answer: the amount approved');
  assert.equal(bank[1]?.['4'], '000000000600', 'the reversal carries the amount approved, not the 10.00 asked');
  assert.equal(answered[1]?.['39'], iso93 ? '400' : dialectName === 'smartvista' ? '000' : '00', 'the simulator accepted the reversal');
  assert.equal(simulator.balanceOf(PAN), 600, 'the 6.00 approved is given back, nothing more');
  const counted = (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.reason)}/${String(v.labels.outcome)}=${v.value}`);
  assert.deepEqual(counted, ['client-gone/reversed=1']);
}

test('late approval – the simulator\'s partial approval (10, 6.00 of 10.00) the POS client never got is reversed for 6.00 through the gateway', async (t) => {
  await partialGateway(t, 'iso87ascii', { 0: '0200', 2: PAN, 3: '000000', 4: '000000001000', 7: '1201120000', 11: '009501', 41: 'TERM0001', 49: '840' });
});

test('late approval – the simulator\'s ISO 8583:1993 partial approval (002) the POS client never got is reversed (1420) for the amount approved', async (t) => {
  await partialGateway(t, 'iso93ascii', { 0: '1200', 2: PAN, 3: '000000', 4: '000000001000', 11: '009502', 12: '261201120000', 41: 'TERM0001', 49: '840' });
});

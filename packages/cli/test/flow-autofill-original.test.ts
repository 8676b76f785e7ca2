// A flow's reversal names the request as its connector sent it: with `autoFill`, the STAN (11) and transmission time
// (7) the connector filled in, told by `answeredBy`, even when the bank's answer does not echo them (field 7 is not
// echoed here). Real sockets: a bank endpoint that answers without field 7, a connector with autoFill, the flow's
// endpoint and its approval book, a terminal's connector.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { responseMti } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { UndeliveredApprovals } from '../src/flow/undelivered-approvals.js';
import { gate, posTerminal, purchase } from './flow-approvals-bank.js';

test('flow approvals – the reversal of an auto-filled request names the STAN and time the bank got, not an echo it lacks', async (t) => {
  const got: IsoMessage[] = [];
  const bankEndpoint = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: (m) => {
      got.push({ ...m.fields });
      const { 7: _time, ...echoed } = m.fields;
      return { ...echoed, 0: responseMti(m.mti), 39: '00' };
    },
  });
  const { port } = await bankEndpoint.start();
  t.after(() => bankEndpoint.destroy());
  const bank = createConnector({ host: '127.0.0.1', port, autoFill: { stan: true, transmissionTime: true } });
  t.after(() => bank.destroy());
  const handed: IsoMessage[] = [];
  const first = gate();
  // Neither must fire: the sequence fails by itself (its timeout would be another path), and the waits below are hang
  // guards, long enough for a loaded machine (a first request connects the bank's connector).
  const sequenceTimeout = 60_000;
  const deadline = 60_000;
  const approvals = new UndeliveredApprovals((original) => {
    handed.push(original);
    first.open();
  });
  approvals.bind({ dialect: 'iso87ascii', sequenceTimeout });
  const terminal = await posTerminal(t, {
    sequenceTimeout,
    connectors: { bank },
    sequence: approvals.sequence(async (message, context) => {
      const { 7: _time, 11: _stan, ...request } = message.fields;
      const answer = await (context.connectors.bank as typeof bank).request(request);
      assert.equal(answer['39'], '00');
      throw new Error('the sequence failed after the bank approved');
    }),
  });
  const answer = await within(terminal.request(purchase('000103')), deadline, 'the terminal answered');
  assert.equal(answer['39'], '96');
  await within(first.opened, deadline, 'the approval was reversed');
  assert.equal(got.length, 1);
  assert.match(String(got[0]!['7']), /^\d{10}$/, 'the connector filled in field 7');
  assert.equal(handed[0]!['7'], got[0]!['7'], 'the reversal names the transmission time the bank got');
  assert.equal(handed[0]!['11'], got[0]!['11'], 'and the STAN the bank got');
});

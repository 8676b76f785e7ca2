// Field 3 (processing code) is read as it goes on the wire, not as the caller wrote it (match-key.ts `wireField`):
// SocketQueue clients send `"3": "0"` or a number. The connector pads an `n 6` field 3 for the bank (`"0"` is 000000,
// `2000` is 002000, a purchase), so routing rules, the refund amount and SocketQueue's figures must read it so too.
// Before: a `processingCode: "00"` route missed `"0"` and `2000`; `"3": 2000` counted as a refund
// (`amounts.refund`), and a refund written `"3": 200000` (a number) counted as a purchase in SocketQueue's figures
// when the bank's 0210 did not echo field 3, in time or late.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { answering, peerAndConnector, startGroup, upstream } from './helpers/setup.js';

/** The bank's approval of `request` without field 3 (a bank that does not echo it). */
function withoutField3(request: IsoMessage): IsoMessage {
  const out = answer(request);
  delete out['3'];
  return out;
}

/** A purchase of 10.00 written `"3": "0"`, one of 3.00 written `"3": 2000` (wire 002000), a refund of 2.50 `"3": 200000`. */
function threeForms(stans: [string, string, string]): MessageInput[] {
  return [
    { ...purchase(stans[0]), '3': '0' },
    { ...purchase(stans[1], 'TERM0001', '000000000300'), '3': 2000 },
    { ...purchase(stans[2], 'TERM0001', '000000000250'), '3': 200000 },
  ];
}

/** The amounts every test here expects: two purchases (13.00), one refund (2.50). */
function assertAmounts(connector: Connector): void {
  const { amounts, socketQueue: q } = connector.stats();
  assert.deepEqual(
    { amounts, socketQueue: { securedAmount: q.securedAmount, refundAmount: q.refundAmount, processedAmount: q.processedAmount } },
    {
      amounts: { processed: 1550, secured: 1550, refund: 250, reversal: 0 },
      // SocketQueue's securedAmount: the purchases less the refund.
      socketQueue: { securedAmount: 10.5, refundAmount: 2.5, processedAmount: 15.5 },
    },
    'a refund: field 3 as the wire has it starting 20 (002000 is a purchase)',
  );
}

test('field 3 as the wire has it: refund amounts and SocketQueue figures of answers that do not echo it', async (t) => {
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, withoutField3(r.message)), { transactionLog: false });
  await connector.connect();
  for (const message of threeForms(['007001', '007002', '007003'])) {
    const got = await connector.request(message);
    assert.deepEqual([got['39'], got['3']], ['00', undefined]);
  }
  assertAmounts(connector);
});

test('field 3 as the wire has it: late approvals that do not echo it count what their request sent', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { requestTimeout: 200, transactionLog: false });
  let late = 0;
  const allLate = new Promise<void>((resolve) => connector.on('late-response', () => void (++late === 3 && resolve())));
  await connector.connect();
  await Promise.all(threeForms(['007101', '007102', '007103']).map((m) => assert.rejects(connector.request(m), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' })));
  const received = await peer.waitFor(3);
  for (const r of received) peer.send(r.socket, withoutField3(r.message));
  await within(allLate, 10_000, 'the three approvals to be reported late');
  assertAmounts(connector);
});

test('field 3 as the wire has it: a processingCode route matches "0" and 2000 (purchases), not 200000', async (t) => {
  const a = await answering();
  const b = await answering();
  const routes = [{ upstream: 'other' }, { processingCode: '00', upstream: 'purchases' }];
  const group = await startGroup(t, { upstreams: [upstream('other', a), upstream('purchases', b)], routes }, () => [a, b]);
  const went: string[] = [];
  for (const message of threeForms(['007201', '007202', '007203'])) {
    await group.request(message, { answeredBy: (c) => void went.push(c.name) });
  }
  assert.deepEqual(went, ['purchases', 'purchases', 'other']);
});

// The one handler of approvals a client never got (late-approval.ts) reads field 39 in the edition the answer's MTI
// says, as the gateway writes it (responseCodeFor): the 1993 partial approval `002` in the answer to a 1100 relayed to
// a 1987 upstream whose field 39 has 3 digits (SmartVista) moved money and is an undelivered approval (it read as the
// 1987 `02`, a referral, and was left unreversed); the 1987 `051` in the answer to a 0200 relayed to a 1993 upstream is
// a decline, never reversed (it read as a 1993 approval). A connector that never connects, reversal off: an approval is
// counted `reversal-off`, a decline not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createConnector } from '@iso8583/connector';
import { undeliveredApproval } from '../src/gateway/late-approval.js';

async function counted(registry: Registry): Promise<string[] | undefined> {
  return (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.reason)}/${String(v.labels.outcome)}=${v.value}`);
}

const PURCHASE = { 3: '000000', 4: '000000001000', 11: '000081', 41: 'TERM0001' };

test('late approval – a 1993 002 answering a 1100 under a 1987 upstream with a 3-digit field 39 is an approval the client never got', async (t) => {
  const connector = createConnector({ host: '127.0.0.1', port: 9, dialect: 'smartvista' });
  t.after(() => connector.destroy());
  const registry = new Registry();
  const handle = undeliveredApproval({ connector, logger: pino({ level: 'silent' }), registry });
  handle({ ...PURCHASE, 0: '1100' }, { 0: '1110', 4: '000000000600', 11: '000081', 39: '002' }, undefined, 'client-gone', 'pos');
  assert.deepEqual(await counted(registry), ['client-gone/reversal-off=1'], 'the partial approval is an approval');
  // Its 0xxx twin keeps the 1987 reading: 002 is no approval there.
  handle({ ...PURCHASE, 0: '0100' }, { 0: '0110', 11: '000082', 39: '002' }, undefined, 'client-gone', 'pos');
  assert.deepEqual(await counted(registry), ['client-gone/reversal-off=1']);
});

test('late approval – a 1987 051 answering a 0200 under a 1993 upstream is a decline: not an undelivered approval', async (t) => {
  const connector = createConnector({ host: '127.0.0.1', port: 9, dialect: 'iso93ascii' });
  t.after(() => connector.destroy());
  const registry = new Registry();
  const handle = undeliveredApproval({ connector, logger: pino({ level: 'silent' }), registry });
  handle({ ...PURCHASE, 0: '0200' }, { 0: '0210', 11: '000083', 39: '051' }, undefined, 'client-gone', 'pos');
  assert.deepEqual(await counted(registry), [], 'a decline is left alone');
  handle({ ...PURCHASE, 0: '0200' }, { 0: '0210', 11: '000084', 39: '010' }, undefined, 'client-gone', 'pos');
  assert.deepEqual(await counted(registry), ['client-gone/reversal-off=1'], 'its 010 is a partial approval');
});

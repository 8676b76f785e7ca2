// The one handler of approvals a client never got (late-approval.ts) is where a network management answer (0810,
// 1814: an echo's or a sign-on's `00`) is told from an approval: it moved no money, so it is neither counted nor
// logged nor reversed, whoever hands it over (the gateway, a flow's approval book). A connector that never connects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { isNetworkManagement } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { undeliveredApproval } from '../src/gateway/late-approval.js';

test('late approval – a network management answer 00 is no undelivered approval; a purchase\'s is', async (t) => {
  const connector = createConnector({ host: '127.0.0.1', port: 9 });
  t.after(() => connector.destroy());
  const registry = new Registry();
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const handle = undeliveredApproval({ connector, logger, registry });
  handle({ 0: '0800', 7: '1204043000', 11: '000071', 70: '301' }, { 0: '0810', 11: '000071', 39: '00', 70: '301' }, undefined, 'sequence-failed', 'pos');
  const counted = async (): Promise<string[] | undefined> =>
    (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.reason)}/${String(v.labels.outcome)}=${v.value}`);
  assert.deepEqual(await counted(), [], 'the echo is not counted');
  assert.equal(lines.length, 0, lines.join(''));
  // The same handler counts an approval (reversal off on this connector).
  handle({ 0: '0200', 3: '000000', 4: '000000000100', 11: '000072', 41: 'TERM0001' }, { 0: '0210', 11: '000072', 39: '00' }, undefined, 'sequence-failed', 'pos');
  assert.deepEqual(await counted(), ['sequence-failed/reversal-off=1']);
  assert.deepEqual(['0800', '0810', '1804', '1814', '0200', '08', '081O', 800].map(isNetworkManagement), [true, true, true, true, false, false, false, false]);
});

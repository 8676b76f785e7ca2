// The one handler of approvals a client never got (late-approval.ts) with an original whose summary cannot be made
// (a field the summary reads whose getter throws, as a message a sequence built may have): the log lines lose their
// summary, nothing else. The reversal is still stored in the SAF queue, reaches the bank and is counted. Real parts: a
// bank endpoint, a connector with its file journal, pino writing to a destination the test reads.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { undeliveredApproval } from '../src/gateway/late-approval.js';
import { reversingBank } from './helpers/reversing-bank.js';

test('late approval – an original whose summary throws is still reversed through the SAF queue and counted', async (t: TestContext) => {
  const { upstream, reversed } = await reversingBank(t);
  const lines: Record<string, unknown>[] = [];
  let lastLine: () => void = () => undefined;
  const lastLogged = new Promise<void>((resolve) => (lastLine = resolve));
  const logger = pino(
    { level: 'warn' },
    {
      write(line: string) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (String(parsed.msg).endsWith(': reversed')) lastLine();
      },
    },
  );
  // A purchase of 10.00 with a test card number; field 39 (read by the summary, never copied by a reversal) throws.
  const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: '000222', 41: 'TERM0001', 49: '840' };
  Object.defineProperty(purchase, '39', {
    enumerable: false,
    get(): string {
      throw new Error('a field that cannot be read');
    },
  });
  const approval: IsoMessage = { 0: '0210', 3: '000000', 4: '000000001000', 11: '000222', 41: 'TERM0001', 39: '00' };
  const registry = new Registry();
  const reverse = undeliveredApproval({ connector: upstream, logger, registry });
  assert.doesNotThrow(() => reverse(purchase, approval, upstream, 'sequence-timeout', 'pos'), 'the handler does not throw');
  const sent = await within(reversed, 10_000, 'the reversal to reach the bank');
  assert.equal(sent['11'], '000222', 'the reversal names the purchase');
  await within(lastLogged, 10_000, 'the "reversed" line to be written');
  const counted = (await registry.getSingleMetric('iso8583_gateway_undelivered_approvals_total')?.get())?.values.map((v) => `${String(v.labels.outcome)}=${v.value}`);
  assert.deepEqual(counted, ['reversed=1']);
  const line = lines.find((l) => String(l.msg).endsWith(': reversed'));
  assert.equal(line?.code, 'ISO8583_ERR_INBOUND_LATE_REPLY', 'the line keeps its code');
  assert.ok(!JSON.stringify(lines).includes('4111111111111111'), 'no card number in the log');
});

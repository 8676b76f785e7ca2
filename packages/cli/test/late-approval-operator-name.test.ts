// The gateway runs the first of several named upstreams (bankA) as a connector named `upstream`, its logger bound with
// `upstream: "bankA"` (gateway/upstream-options.ts). The line of an approval a client never got named it "upstream"
// (the connector's internal name) while it named the second "bankB": an operator searching the log for bankA missed its
// reversals. It names the operator's name now. Real parts: a bank endpoint, a connector with its file journal, pino.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal } from '@iso8583/connector';
import { within } from '@iso8583/test-support';
import { undeliveredApproval } from '../src/gateway/late-approval.js';
import { reversingBank } from './helpers/reversing-bank.js';

/** A purchase of 10.00 with a test card number, and the bank's approval of it. */
const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: '000112', 41: 'TERM0001', 49: '840' };
const approval: IsoMessage = { ...purchase, 0: '0210', 39: '00' };

/** The lines `logger` writes, and the first with `code`, resolved when written. */
function recording(code: string): { logger: Logger; lines: Record<string, unknown>[]; first: Promise<Record<string, unknown>> } {
  const lines: Record<string, unknown>[] = [];
  let found: (line: Record<string, unknown>) => void = () => undefined;
  const first = new Promise<Record<string, unknown>>((resolve) => (found = resolve));
  const logger = pino({ level: 'info' }, {
    write(text: string) {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.code === code) found(line);
    },
  });
  return { logger, lines, first };
}

for (const { name, bound, expected } of [
  { name: 'the first of named upstreams (connector "upstream", logger bound with bankA) is named bankA', bound: { side: 'upstream', upstream: 'bankA' }, expected: 'bankA' },
  { name: 'a lone upstream (no operator name bound) keeps the connector\'s name', bound: { side: 'upstream' }, expected: 'upstream' },
]) {
  test(`late approval – ${name}`, async (t: TestContext) => {
    const upstreamLog = recording('none');
    const { upstream, reversed } = await reversingBank(t, (dir) => new FileJournal(dir), '00', { name: 'upstream', logger: upstreamLog.logger.child(bound) });
    const http = recording('ISO8583_ERR_INBOUND_CLIENT_GONE');
    const reverse = undeliveredApproval({ connector: upstream, logger: http.logger });
    reverse(purchase, approval, upstream, 'client-gone', 'http');
    await within(reversed, 10_000, 'the reversal to reach the bank');
    const line = await within(http.first, 10_000, 'the client-gone line');
    assert.equal(line.upstream, expected);
    assert.doesNotMatch(JSON.stringify(http.lines), /4111111111111111/);
  });
}

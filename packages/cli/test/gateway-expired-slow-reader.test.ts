// A gateway stop that passes its deadline with a terminal slow to read: the approvals made for it and waiting to be
// written are dropped as its connection is cut, each reported as an approval the client never got, and each must be
// reversed (stored in the SAF journal) before the links are destroyed. The expired stop destroyed the links in the
// same turn as its deadline line, and the POS endpoint's own close deadline (the stop's deadline plus its grace, its
// timer made after the expiry's) cut the terminal after that: each approval was "NOT reversed" and the stop failed.
// Real parts: the gateway in this process, a bank on 127.0.0.1 that approves at once, a raw terminal socket that
// never reads, the real journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { slowReaderGateway } from './helpers/slow-reader-gateway.js';

test('gateway stop past its deadline – the approvals waiting for a terminal slow to read are reversed (stored) before the links go, never "NOT reversed"', async (t) => {
  const { gateway, firstOutcome, fillTerminal, stopping, assertReversed } = await slowReaderGateway(t, 'iso8583-gw-expired-slow-reader-');
  await fillTerminal();
  stopping();
  // A short deadline: the terminal never reads, so the stop ends at its deadline (and its grace), never in order.
  const stopped = await within(gateway.close(300).then(() => undefined, (err: unknown) => err), 10_000, 'the stop did not end');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  assert.equal((stopped as { code?: unknown } | undefined)?.code, undefined, `the stop failed: ${String(stopped)}`);
  assertReversed();
});

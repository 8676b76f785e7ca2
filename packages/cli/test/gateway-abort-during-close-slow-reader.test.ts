// A second stop signal (the gateway's abort) while its graceful stop is under way, the POS endpoint's close waiting on a
// terminal slow to read: the abort's cut joins that close, and the approvals made for the terminal and waiting to be
// written are reported as the connection closes, each to be reversed (stored in the SAF journal) before the links are
// destroyed. The cut waited for that close at most half the end line's wait (250 ms) and two turns, then destroyed the
// links: on a machine where reading out the terminal's backlog took longer, each approval reported after that was
// logged "NOT reversed" (approved at the bank, the terminal never told, never reversed).
// Here the abort comes once the POS endpoint's close has begun (its line), and the endpoint's destroy (the cut) starts
// 300 ms late, as a slow read-out had it: a timer made after the cut's old 250 ms one, so after it for certain (the
// timers order it, not a sleep), and well inside the end line's own bound (ABORT_LINE_WAIT), the last resort.
// Real parts: the gateway in this process, a bank on 127.0.0.1 that approves at once, a raw terminal socket that
// never reads, the real journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { ABORT_LINE_WAIT, CLIENTS_CLOSE_WAIT } from '../src/drain.js';
import { slowReaderGateway } from './helpers/slow-reader-gateway.js';

/** How late (ms) the POS endpoint's destroy starts after the cut: past the cut's old bound (250 ms), inside its last resort. */
const CUT_LATE = CLIENTS_CLOSE_WAIT + 10;

test('gateway abort during a graceful stop – the approvals waiting for a terminal slow to read are reversed (stored), never "NOT reversed"', async (t) => {
  assert.ok(CUT_LATE < ABORT_LINE_WAIT, 'the late cut comes within the last-resort bound');
  const { gateway, firstOutcome, endpointClosing, fillTerminal, stopping, assertReversed } = await slowReaderGateway(t, 'iso8583-gw-abort-closing-slow-reader-');
  await fillTerminal();
  stopping();
  // A long deadline: the terminal never reads, so the POS endpoint's graceful close is still under way at the abort.
  const stopped = gateway.close(10_000).then(() => undefined, (err: unknown) => err);
  await within(endpointClosing, 10_000, 'the POS endpoint never began its close');
  const endpoint = gateway.endpoint as unknown as { destroy: (reason?: Error) => Promise<void> };
  const destroy = endpoint.destroy.bind(endpoint);
  let cut: Promise<void> | undefined;
  endpoint.destroy = (reason) => (cut ??= new Promise<void>((resolve) => setTimeout(resolve, CUT_LATE)).then(() => destroy(reason)));
  await within(gateway.abort(), 10_000, 'the abort did not end');
  await within(stopped, 10_000, 'the stop did not end after the abort');
  // The cut and its reports, however late they came (after the links were destroyed: each then "NOT reversed").
  await within(cut ?? Promise.reject(new Error('the POS endpoint was not cut')), 10_000, 'the POS endpoint was never cut');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  assertReversed();
});

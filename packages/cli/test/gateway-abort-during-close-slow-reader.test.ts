// A second stop signal (the gateway's abort) while its graceful stop is under way, the POS endpoint's close waiting on a
// terminal slow to read: the abort's cut joins that close, and the approvals made for the terminal and waiting to be
// written are reported as the connection closes, each to be reversed (stored in the SAF journal) before the links are
// destroyed. The cut waited for that close at most half the end line's wait (250 ms) and two turns, then destroyed the
// links: on a machine where reading out the terminal's backlog took longer, each approval reported after that was
// logged "NOT reversed" (approved at the bank, the terminal never told, never reversed).
// Then it waited at most 500 ms (ABORT_LINE_WAIT less ABORT_STORE_TAIL) and destroyed the links: a loaded machine had
// most approvals reported after that, "NOT reversed". Now the abort waits for the close up to ABORT_CLOSE_WAIT, then
// for the stores as long as what is under way calls for (abortStoreWait).
// Here the abort comes once the POS endpoint's close has begun (its line), and the endpoint's destroy (the cut) is held
// (helpers/slow-reader-gateway.ts `holdCut`) until the links' destroy begins or CUT_LATE ms (past the old bounds): as a
// starved machine had it, the reports come after whatever bound the abort gave the close.
// Real parts: the gateway in this process, a bank on 127.0.0.1 that approves at once, a raw terminal socket that
// never reads, the real journal folder.
import { test } from 'node:test';
import { within } from '@iso8583/test-support';
import { holdCut, slowReaderGateway } from './helpers/slow-reader-gateway.js';

test('gateway abort during a graceful stop – the approvals waiting for a terminal slow to read are reversed (stored), never "NOT reversed"', async (t) => {
  const { gateway, firstOutcome, endpointClosing, fillTerminal, stopping, assertReversed } = await slowReaderGateway(t, 'iso8583-gw-abort-closing-slow-reader-');
  await fillTerminal();
  stopping();
  // A long deadline: the terminal never reads, so the POS endpoint's graceful close is still under way at the abort.
  const stopped = gateway.close(10_000).then(() => undefined, (err: unknown) => err);
  await within(endpointClosing, 10_000, 'the POS endpoint never began its close');
  const cut = holdCut(gateway.endpoint as unknown as { destroy: (reason?: Error) => Promise<void> }, [gateway.connector]);
  await within(gateway.abort(), 10_000, 'the abort did not end');
  await within(stopped, 10_000, 'the stop did not end after the abort');
  // The cut and its reports, however late they came (after the links were destroyed: each then "NOT reversed").
  await within(cut(), 10_000, 'the POS endpoint was never cut');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  assertReversed();
});

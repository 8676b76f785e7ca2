// The gateway's abort (a second stop signal) with a terminal slow to read: the approvals made for it and waiting to
// be written are dropped as its connection is cut, each reported as an approval the client never got, and each must
// be reversed (stored in the SAF journal) before the links are destroyed. The abort waited for that cut at most 100 ms
// by a timer of its own; on a busy machine (the process descheduled, the paused socket read out first over turns of
// the event loop) the cut ended after it, the links were already destroyed, and each approval was logged "NOT
// reversed". Here the POS endpoint's destroy starts 125 ms late (a timer made after the abort's old one, so after it
// for certain: the timers order it, not a sleep), as the busy machine had it.
// Real parts: the gateway in this process, a bank on 127.0.0.1 that approves at once, a raw terminal socket that
// never reads, the real journal folder.
import { test } from 'node:test';
import { within } from '@iso8583/test-support';
import { slowReaderGateway } from './helpers/slow-reader-gateway.js';

test('gateway abort – the approvals waiting for a terminal slow to read, cut late on a busy machine, are reversed (stored), never "NOT reversed"', async (t) => {
  const { gateway, firstOutcome, fillTerminal, stopping, assertReversed } = await slowReaderGateway(t, 'iso8583-gw-abort-slow-reader-');
  // The POS endpoint's destroy (the abort's cut) starts late, after the abort's old 100 ms timer.
  const endpoint = gateway.endpoint as unknown as { destroy: (reason?: Error) => Promise<void> };
  const destroy = endpoint.destroy.bind(endpoint);
  let cut: Promise<void> | undefined;
  endpoint.destroy = (reason) => (cut ??= new Promise<void>((resolve) => setTimeout(resolve, 125)).then(() => destroy(reason)));
  await fillTerminal();
  stopping();
  await within(gateway.abort(), 10_000, 'the abort did not end');
  // The cut and its reports, however late they came (after the links were destroyed: each then "NOT reversed").
  await within(cut ?? Promise.reject(new Error('the POS endpoint was not cut')), 10_000, 'the POS endpoint was never cut');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  assertReversed();
});

// A second stop signal (`RunningFlow.abort()`) while the flow's graceful stop is under way, its endpoint's close waiting
// on a terminal slow to read: the abort's cut joins that close (drain.ts `cutThenDestroy`, the gateway's path too), and
// the approvals made for the terminal and waiting to be written are reported as the connection closes, each to be
// reversed (stored in the SAF journal) before the connectors are destroyed. The cut waited for that close at most half
// the end line's wait (250 ms) and two turns: on a machine where reading out the terminal's backlog took longer, each
// approval reported after that was logged "NOT reversed".
// Here the abort comes once the endpoint's close has begun (its line), and the endpoint's destroy (the cut) starts
// CLIENTS_CLOSE_WAIT + 10 ms late, as a slow read-out had it: a timer made after the cut's old 250 ms one, so after it for certain (the
// timers order it, not a sleep), and well inside the end line's own bound (ABORT_LINE_WAIT), the last resort.
// Real parts: the flow in this process, a bank on 127.0.0.1 that approves at once, a raw terminal socket that never
// reads, the real journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { ABORT_LINE_WAIT, CLIENTS_CLOSE_WAIT } from '../src/drain.js';
import { loadFlow, startFlow } from '../src/index.js';
import { slowReaderParts } from './helpers/slow-reader-gateway.js';

/** How late (ms) the endpoint's destroy starts after the cut: past the cut's old bound (250 ms), inside its last resort. */
const CUT_LATE = CLIENTS_CLOSE_WAIT + 10;

test('run abort during a graceful stop – the approvals waiting for a terminal slow to read are reversed (stored), never "NOT reversed"', async (t) => {
  assert.ok(CUT_LATE < ABORT_LINE_WAIT, 'the late cut comes within the last-resort bound');
  const { dir, bankPort, journalDir, logger, firstOutcome, endpointClosing, fillTerminal, assertReversed } = await slowReaderParts(t, 'iso8583-flow-abort-closing-slow-reader-');
  writeFileSync(join(dir, 'fwd.mjs'), 'export default async (m, c) => c.connectors.bank.request(m.fields);\n');
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'slow',
    connectors: { bank: { host: '127.0.0.1', port: bankPort, reversal: { enabled: true, journalDir } } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'fwd.mjs') } },
    shutdownDeadline: 10_000,
  }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), logger);
  let stopping = false;
  t.after(async () => {
    if (!stopping) await running.abort();
  });
  await fillTerminal(running.inbound.pos?.port as number);
  stopping = true;
  // A long deadline: the terminal never reads, so the endpoint's graceful close is still under way at the abort.
  const stopped = running.close(10_000).then(() => undefined, (err: unknown) => err);
  await within(endpointClosing, 10_000, 'the endpoint never began its close');
  const endpoint = running.endpoints.pos as unknown as { destroy: (reason?: Error) => Promise<void> };
  const destroy = endpoint.destroy.bind(endpoint);
  let cut: Promise<void> | undefined;
  endpoint.destroy = (reason) => (cut ??= new Promise<void>((resolve) => setTimeout(resolve, CUT_LATE)).then(() => destroy(reason)));
  await within(running.abort(), 10_000, 'the abort did not end');
  await within(stopped, 30_000, 'the stop did not end after the abort');
  // The cut and its reports, however late they came (after the connectors were destroyed: each then "NOT reversed").
  await within(cut ?? Promise.reject(new Error('the endpoint was not cut')), 10_000, 'the endpoint was never cut');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  assertReversed();
});

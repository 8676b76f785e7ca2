// A second stop signal (`RunningFlow.abort()`) while the flow's graceful stop is under way, its endpoint's close waiting
// on a terminal slow to read: the abort's cut joins that close (drain.ts `cutThenDestroy`, the gateway's path too), and
// the approvals made for the terminal and waiting to be written are reported as the connection closes, each to be
// reversed (stored in the SAF journal) before the connectors are destroyed. The cut waited for that close at most half
// the end line's wait (250 ms) and two turns: on a machine where reading out the terminal's backlog took longer, each
// approval reported after that was logged "NOT reversed".
// Then it waited at most 500 ms (ABORT_LINE_WAIT less ABORT_STORE_TAIL) and destroyed the connectors: a fresh-clone run
// on a loaded machine had 199 of 263 approvals reported after that, "NOT reversed". Now the abort waits for the close
// up to ABORT_CLOSE_WAIT, then for the stores as long as what is under way calls for (abortStoreWait).
// Here the abort comes once the endpoint's close has begun (its line), and the endpoint's destroy (the cut) is held
// (helpers/slow-reader-gateway.ts `holdCut`) until the connectors' destroy begins or CUT_LATE ms (past the old bounds):
// as a starved machine had it, the reports come after whatever bound the abort gave the close.
// Real parts: the flow in this process, a bank on 127.0.0.1 that approves at once, a raw terminal socket that never
// reads, the real journal folder.
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../src/index.js';
import { holdCut, slowReaderParts } from './helpers/slow-reader-gateway.js';

test('run abort during a graceful stop – the approvals waiting for a terminal slow to read are reversed (stored), never "NOT reversed"', async (t) => {
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
  const cut = holdCut(running.endpoints.pos as unknown as { destroy: (reason?: Error) => Promise<void> }, Object.values(running.connectors));
  await within(running.abort(), 10_000, 'the abort did not end');
  await within(stopped, 30_000, 'the stop did not end after the abort');
  // The cut and its reports, however late they came (after the connectors were destroyed: each then "NOT reversed").
  await within(cut(), 10_000, 'the endpoint was never cut');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  assertReversed();
});

// A graceful stop of a flow (SIGTERM, `RunningFlow.close()`) past its deadline while its sequence holds the bank's
// approval: the endpoint's close gives the sequence up (its terminal's connection cut: the approval never reaches it),
// and its book's `abandon` reverses it once that close has settled. When the close outlasts the stop's own deadline (a
// busy machine), the connectors were destroyed first and the store refused: "NOT reversed". The test holds the
// endpoint's close until the bank's connector is destroyed (a gate, no sleep).
// Real sockets (the host simulator as the bank, a terminal's connector), a real journal folder, the flow in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { heldApprovalFlow } from './helpers/held-approval-flow.js';

test('run stop past its deadline – an approval the sequence holds is reversed (stored) before the connectors are destroyed', async (t) => {
  const held = await heldApprovalFlow(t, 'flow-stop-deadline-held-approval', 300, 'close');
  const stopped = await within(held.running.close().then(() => 'stopped', (err: { code?: string }) => String(err.code)), 30_000, 'the stop did not end');
  assert.equal(stopped, 'stopped', 'nothing was left unreversed');
  assert.notEqual(await held.answered, 'answered', 'the terminal never got the approval');
  held.reversedAndStored();
});

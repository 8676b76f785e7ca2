// An abort of a flow (a second SIGTERM, `RunningFlow.abort()`) while its sequence holds the bank's approval and works
// on: the terminal's connection is cut, so the terminal never gets the approval, and it is reversed (client-gone),
// stored in the SAF journal before the connectors go. The connectors were closed in the same tick as the endpoints'
// destroy, before the book's `abandon`: the store was refused (CONNECTOR_CLOSED) and the approval "NOT reversed".
// Under load the endpoint's close (and so the book's `abandon`) could also end after the abort's wait for the clients
// (CLIENTS_CLOSE_WAIT) had passed and the connectors were destroyed: the same "NOT reversed". The test holds the
// endpoint's close until the bank's connector is destroyed (a gate, no sleep): the abort must have the book's
// reversals stored by then.
// Real sockets (the host simulator as the bank, a terminal's connector), a real journal folder, the flow in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { heldApprovalFlow } from './helpers/held-approval-flow.js';

test('run abort – an approval the sequence holds when the flow is aborted is reversed (stored), never "NOT reversed"', async (t) => {
  const held = await heldApprovalFlow(t, 'flow-abort-held-approval', 60_000, 'destroy');
  await within(held.running.abort(), 30_000, 'the abort did not end');
  assert.notEqual(await held.answered, 'answered', 'the terminal never got the approval');
  held.reversedAndStored();
});

// Frames read but not yet started (waiting for a turn of the event loop, or for `maxInFlightPerConnection`) must never
// start once the endpoint has destroyed their connection (`destroy()`, or `close()` past its deadline): each would be
// a sequence run for a client that gets no reply (in a gateway: forwarded, approved, then reversed as client-gone).
// They used to: destroying a connection only closed its socket, which a paused one reads out first, and its waiting
// frames went on starting until the socket's close event (99 of 100 frames of one write were run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { gate } from './support/gates.js';
import { captureLogs } from './support/logs.js';

/** Frames one connection starts in one turn of the event loop (turns.ts FRAMES_PER_TURN). */
const FRAMES_PER_TURN = 32;

test('destroy – frames waiting on a connection are not started once it is destroyed', async (t) => {
  let calls = 0;
  let destroying: Promise<void> | undefined;
  const sequence: Sequence = (m, c) => {
    calls++;
    destroying ??= endpoint.destroy();
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, onLateResult: () => undefined });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  // 100 frames in one write: the first read's turn starts at most FRAMES_PER_TURN of them, the rest wait.
  client.write(Buffer.concat(Array.from({ length: 100 }, (_, i) => client.frame(purchase(i + 1)))));
  await within(client.closed, 5_000, 'the destroyed endpoint did not close the connection');
  await within(destroying!, 5_000, 'destroy did not settle');
  // The turns that would have started the waiting frames have passed.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(calls >= 1 && calls <= FRAMES_PER_TURN, `sequence calls: ${calls} (at most the ${FRAMES_PER_TURN} of the turn destroy was called in)`);
});

test('close – past its deadline, a waiting frame is not started when the message in flight finishes', async (t) => {
  const held = gate();
  const logs = captureLogs('info');
  let calls = 0;
  const sequence: Sequence = async (m, c) => {
    calls++;
    await held.promise;
    return approveAll(m, c);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, maxInFlightPerConnection: 1, logger: logs.logger, onLateResult: () => undefined });
  const client = await TestClient.connect(port);
  t.after(() => {
    held.open();
    client.destroy();
  });
  client.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => client.frame(purchase(i + 1)))));
  await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the first message started' });
  const closing = endpoint.close({ deadline: 0 });
  // Logged as the deadline passes, just before the connections are destroyed (in the same turn).
  await within(logs.waitFor(/close deadline passed/), 5_000, 'the close deadline did not pass');
  held.open();
  await within(closing, 5_000, 'close did not settle');
  assert.equal(calls, 1, 'only the message in flight at the deadline was run');
});

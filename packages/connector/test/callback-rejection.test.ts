// A user callback typed to return nothing may be an `async` function: the send options `answeredBy` and `routedTo`,
// whose throw is ignored, ignore the rejection of the promise they return too. Left alone, it was an unhandled
// rejection, which ends the process by default: an approval would be lost with the process that held it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { purchase } from './peer.js';
import { answering, peerAndConnector, startGroup, upstream } from './helpers/setup.js';
import { answer } from './peer.js';

/** The unhandled rejections from now on (the listener is removed after the test). */
function unhandled(t: TestContext): unknown[] {
  const seen: unknown[] = [];
  const on = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', on);
  t.after(() => process.off('unhandledRejection', on));
  return seen;
}

/** An async callback that rejects; `called` counts its calls. */
function rejecting(): { fn: () => Promise<void>; called: () => number } {
  let calls = 0;
  return {
    fn: async () => {
      calls++;
      await Promise.resolve();
      throw new Error('the listener failed');
    },
    called: () => calls,
  };
}

/** One turn of the event loop: unhandled rejections of the turn before are reported by then. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('connector – an async answeredBy that rejects is ignored like a throw: the answer is delivered, nothing unhandled', async (t) => {
  const seen = unhandled(t);
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)));
  await connector.connect();
  const listener = rejecting();
  const result = await connector.request(purchase('000961'), { answeredBy: listener.fn });
  assert.equal(result['39'], '00');
  assert.equal(listener.called(), 1);
  await turn();
  await turn();
  assert.deepEqual(seen, [], 'the rejection went unhandled (the process would end)');
});

test('upstream group – an async routedTo and answeredBy that reject are ignored like a throw, nothing unhandled', async (t) => {
  const seen = unhandled(t);
  const a = await answering();
  const group = await startGroup(t, { upstreams: [upstream('primary', a)] }, () => [a]);
  const routed = rejecting();
  const answered = rejecting();
  const result = await group.request(purchase('000962'), { routedTo: routed.fn, answeredBy: answered.fn });
  assert.equal(result['39'], '00');
  assert.equal(routed.called(), 1);
  assert.equal(answered.called(), 1);
  await turn();
  await turn();
  assert.deepEqual(seen, [], 'the rejection went unhandled (the process would end)');
});

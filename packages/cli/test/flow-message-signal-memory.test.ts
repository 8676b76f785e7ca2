// A forwarding flow keeps nothing of a message once it is answered (finding rv65h 1): the `context.signal` its
// sequence reads (the endpoint's and the flow's stop joined, watched-connectors.ts) was an `AbortSignal.any`, which on
// Node 20, once a connector's send put a listener on it, a process-wide set held until it aborted: a signal that never
// aborts (every message answered in time) kept its message, ~2.9 KB each, and `iso8583 run` died of heap exhaustion
// under load. Counted, not timed: each message's signal is watched through a WeakRef, and after a full GC the signals
// of 3N messages answered are gone as those of N are. A real host simulator behind a real connector, a real flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { tempFolder } from '@iso8583/test-support';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { loadFlow, startFlow } from '../src/index.js';
import { purchase } from './flow-approvals-bank.js';

/** Messages of the first round; the second sends twice as many. */
const N = 300;

/** Where the test's sequence leaves a WeakRef to each message's `context.signal`. */
const WATCHED = '__flowMessageSignals';

test('flow memory: a forwarded message\'s context.signal is collected once it is answered (N and 3N messages alike)', async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const signals: WeakRef<AbortSignal>[] = [];
  (globalThis as Record<string, unknown>)[WATCHED] = signals;
  t.after(() => delete (globalThis as Record<string, unknown>)[WATCHED]);

  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator({ defaultBalance: 999_999_999_999 }) });
  const bankPort = (await host.start()).port;
  t.after(() => host.close());
  const dir = tempFolder(t, 'iso8583-flow-signal-memory-');
  writeFileSync(join(dir, 'fwd.mjs'), `export default async function (m, ctx) {
  globalThis.${WATCHED}.push(new WeakRef(ctx.signal));
  return ctx.connectors.bank.sendMessage(m.xml, { signal: ctx.signal });
}
`);
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'signal-memory',
    connectors: { bank: { host: '127.0.0.1', port: bankPort, reversal: { enabled: true, journalDir: join(dir, 'journal') } } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: './fwd.mjs' } },
  }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json'), {}), pino({ level: 'silent' }));
  t.after(() => running.close());
  const terminal = createConnector({ host: '127.0.0.1', port: (running.inbound.pos as { port: number }).port, requestTimeout: 60_000 });
  t.after(() => terminal.close());

  let stan = 0;
  /** Sends `count` purchases, 10 at a time, each approved; then a full GC; resolves to the signals still alive. */
  const round = async (count: number): Promise<number> => {
    for (let sent = 0; sent < count; sent += 10) {
      const answers = await Promise.all(Array.from({ length: 10 }, () => terminal.request(purchase(String(++stan).padStart(6, '0')))));
      for (const a of answers) assert.equal(a[39], '00');
    }
    // A WeakRef read in a job is kept to its end: collected in a later one.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    return signals.filter((ref) => ref.deref() !== undefined).length;
  };
  const afterN = await round(N);
  const after3N = await round(2 * N);
  assert.equal(signals.length, 3 * N, 'the sequence read each message\'s signal');
  // Answered, each message's signal is garbage: some may be held by what keeps a bounded few (a ring of the last
  // answers), never every message's: as many outlive 3N messages as N.
  const held = `${afterN} of the first ${N} messages' signals and ${after3N} of all ${3 * N} outlived their answers`;
  assert.ok(afterN < N / 2, held);
  assert.ok(after3N <= afterN + N / 10, held);
});

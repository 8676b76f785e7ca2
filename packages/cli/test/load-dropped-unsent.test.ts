// `iso8583 load`: a request queued on a terminal's connection and dropped by a close before the end-of-tick write never
// reached the wire: it counts as not sent (no outcome), not as sent and `closed`. Its counts then feed the summary
// (`notSent`, so exit code 1) and `--fail-on errors` (which `closed` outcomes would have tripped) as every request
// lost before its write does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { MessageTracer } from '../src/trace.js';
import { LoadRun } from '../src/load/load-run.js';
import { LoadClient } from '../src/load/terminal.js';
import { LOAD_FRAMING, loadCodec, loadHost } from './helpers/load-host.js';

test('a request queued and dropped by a close before its write counts as not sent, with no outcome', async (t) => {
  const seen: string[] = [];
  const port = await loadHost(t, (request) => seen.push(request['11'] as string));
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  // The trace of the request comes just before it is queued: the connection closes right after, in the same tick,
  // before the end-of-tick write (a host's FIN seen in the same read as an answer ends the socket just so).
  const tracer = {
    enabled: true,
    message: (direction: string) => {
      if (direction === 'out') queueMicrotask(() => socket.destroy());
    },
  } as unknown as MessageTracer;
  const run = new LoadRun('1987', 1, undefined, undefined);
  run.open = 1;
  const client = new LoadClient(socket, 0, run, loadCodec, LOAD_FRAMING, Buffer.alloc(0), 10_000, tracer);
  t.after(() => client.close());
  await client.work();
  await new Promise((resolve) => (socket.closed ? resolve(undefined) : socket.once('close', resolve)));
  assert.equal(run.sent, 0, 'the request never reached the wire');
  assert.equal(run.unwritten, 1, 'it is counted as taken and not written');
  assert.deepEqual(run.outcomes, {}, 'no outcome: not closed');
  assert.equal(run.failed, 0);
  assert.deepEqual(run.progress().sent, 0);
  assert.deepEqual(seen, [], 'the host saw nothing');
});

// `iso8583 load` without `--rate`: a request's latency counts from its write, and the run starts no more loops than
// its count has requests. Before, every loop (terminals x in-flight) was started up front even for a count of one,
// and the latency counted from when the request was taken, before those loops were all made: 10 requests at
// 1000 terminals x 1000 in flight measured a p50 of 4,887 ms (734 MB) against a host answering in about 1 ms. Here
// 250,000 loops for one request: the latency measured may not pass the time from the host's read of the request to
// the end of the run by more than a loopback write (bounded at 100 ms); before, it passed it by the making of the
// loops (about a second). The real load runner, a real host, in one process (one clock).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { runLoad } from '../src/load/runner.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

test('load without a rate: latency counts from the write; no loops beyond the count', async (t) => {
  let read: number | undefined;
  const port = await loadHost(t, (request, _payload, socket) => {
    read ??= performance.now();
    socket.write(answerFrame(request));
  });
  const summary = await runLoad({ port, clients: 250, inFlight: 1000, count: 1 });
  const ended = performance.now();
  assert.equal(summary.answered, 1);
  assert.ok(read !== undefined);
  const latency = summary.latencyMs?.max ?? Infinity;
  const hostToEnd = ended - read;
  assert.ok(latency < hostToEnd + 100, `latency ${latency.toFixed(1)} ms; from the host's read to the end ${hostToEnd.toFixed(1)} ms`);
});

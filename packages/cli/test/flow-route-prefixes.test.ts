// Two routes of a flow on one prefix (`/a` twice, `/a` and `/a/`, `` and `/`) are refused naming the later one's JSON
// path: before, `run --check` said valid and the start failed with Fastify's own `FST_ERR_DUPLICATED_ROUTE` line.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';
import { flowPathProblems } from './flow-problems.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-route-prefixes-'));
after(() => rmSync(work, { recursive: true, force: true }));

let files = 0;
/** A flow of connectors `a` and `b` (and group `g` over `b`) with HTTP `routes`. */
function flowWith(routes: Record<string, string>): string {
  files += 1;
  const file = join(work, `routes${files}.json`);
  writeFileSync(file, JSON.stringify({
    connectors: { a: { host: '127.0.0.1', port: 9 }, b: { host: '127.0.0.1', port: 10 } },
    upstreamGroups: { g: { upstreams: ['b'] } },
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } },
    http: { port: 0, routes },
  }));
  return file;
}

test('flow file – two routes on one prefix are refused naming the later route and the earlier one', () => {
  assert.deepEqual(flowPathProblems(flowWith({ a: '/pay', b: '/pay' })), ["/http/routes/b: /pay is a's route prefix too (POST /pay/ and /pay/raw): give each its own"]);
  assert.deepEqual(flowPathProblems(flowWith({ a: '/pay', g: '/pay/' })), ["/http/routes/g: /pay/ is a's route prefix too (POST /pay/ and /pay/raw): give each its own"]);
  assert.deepEqual(flowPathProblems(flowWith({ a: '', b: '/' })), ["/http/routes/b: / is a's route prefix too (POST / and /raw): give each its own"]);
  assert.deepEqual(flowPathProblems(flowWith({ a: '/pay', g: '/pay/x' })), [], 'other prefixes load');
});

test('run refuses two routes on one prefix with ISO8583_ERR_FLOW_INVALID, never FST_ERR_DUPLICATED_ROUTE', async () => {
  const r = await runCli(['run', flowWith({ a: '/pay', b: '/pay' })]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.doesNotMatch(r.stderr, /FST_ERR/);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_INVALID: flow file \S+ is invalid:\n {2}\S+ \/http\/routes\/b: \/pay is a's route prefix too/);
});

test('flow file – a prefix that is another\'s plus /raw, or a path under /console, is refused naming the route', () => {
  assert.deepEqual(flowPathProblems(flowWith({ a: '/pay', b: '/pay/raw' })), [
    "/http/routes/b: /pay/raw mounts POST /pay/raw, which a's route prefix /pay mounts too: give each a prefix that is not the other's plus /raw",
  ]);
  assert.deepEqual(flowPathProblems(flowWith({ a: '/pay/raw/', g: '/pay' })), [
    "/http/routes/g: /pay mounts POST /pay/raw, which a's route prefix /pay/raw/ mounts too: give each a prefix that is not the other's plus /raw",
  ]);
  assert.deepEqual(flowPathProblems(flowWith({ a: '/console/api/send' })), [
    "/http/routes/a: /console/api/send mounts POST /console/api/send, under /console, the console's own paths: give it another prefix",
  ]);
  assert.deepEqual(flowPathProblems(flowWith({ a: '/console' })), ["/http/routes/a: /console mounts POST /console, under /console, the console's own paths: give it another prefix"]);
  assert.deepEqual(flowPathProblems(flowWith({ a: '/consoles', b: '/raw' })), [], 'other prefixes load');
});

test('run --check and run refuse a prefix that collides with another\'s raw route, never FST_ERR_DUPLICATED_ROUTE', async () => {
  const file = flowWith({ a: '/pay', b: '/pay/raw' });
  for (const args of [['run', file, '--check'], ['run', file]]) {
    const r = await runCli(args);
    assert.equal(r.code, 1, r.stdout);
    assert.doesNotMatch(r.stderr, /FST_ERR/);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_INVALID: flow file \S+ is invalid:\n {2}\S+ \/http\/routes\/b: \/pay\/raw mounts POST \/pay\/raw/);
  }
});

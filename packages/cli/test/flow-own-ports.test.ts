// A flow's own listeners, checked at load by the gateway's rules: two inbound endpoints (or an endpoint and the HTTP
// server) on one port of one address, and a connector aimed at the flow's own inbound endpoint, are refused by
// `run --check` naming the later JSON path (they passed the check, then the start failed or every request looped).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';
import { flowPathProblems } from './flow-problems.js';

type After = { after(fn: () => unknown): void };

function flowFile(t: After, flow: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-ports-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify(flow, null, 2));
  return file;
}

const SIM = 'host-simulator';

test('flow file – two listeners on one port of one address are refused at the later one', async (t) => {
  const same = flowFile(t, {
    inboundEndpoints: { a: { port: 45123, sequence: SIM }, b: { port: 45123, sequence: SIM } },
    http: { port: 45123 },
  });
  const reason = "45123 is /inboundEndpoints/a/port's port too (on 127.0.0.1): each listener needs its own port";
  assert.deepEqual(flowPathProblems(same), [`/inboundEndpoints/b/port: ${reason}`, `/http/port: ${reason}`]);
  const check = await runCli(['run', same, '--check']);
  assert.equal(check.code, 1, check.stderr);
  assert.match(check.stderr, /ISO8583_ERR_FLOW_INVALID.*\n.*\/inboundEndpoints\/b\/port: 45123 is/);
  // A wildcard address holds the port on every address.
  const wildcard = flowFile(t, { inboundEndpoints: { a: { host: '0.0.0.0', port: 45124, sequence: SIM } }, http: { port: 45124 } });
  assert.deepEqual(flowPathProblems(wildcard), ["/http/port: 45124 is /inboundEndpoints/a/port's port too (on 0.0.0.0): each listener needs its own port"]);
  // Two addresses, or port 0 (any free port), do not collide.
  const apart = flowFile(t, {
    inboundEndpoints: { a: { host: '127.0.0.1', port: 45125, sequence: SIM }, b: { host: '127.0.0.2', port: 45125, sequence: SIM }, c: { port: 0, sequence: SIM } },
    http: { port: 0 },
  });
  assert.deepEqual(flowPathProblems(apart), []);
});

test("flow file – a connector aimed at the flow's own inbound endpoint is refused: its requests would come back", (t) => {
  const loop = flowFile(t, {
    connectors: { bank: { host: 'localhost', port: 45301 }, other: { host: '127.0.0.1', port: 45302 } },
    inboundEndpoints: { pos: { port: 45301, sequence: SIM } },
  });
  assert.deepEqual(flowPathProblems(loop), [
    "/connectors/bank/port: localhost:45301 is the flow's own inbound endpoint (/inboundEndpoints/pos on 127.0.0.1:45301): its requests would come back to it; give the bank's address",
  ]);
  const elsewhere = flowFile(t, {
    connectors: { bank: { host: '127.0.0.2', port: 45301 } },
    inboundEndpoints: { pos: { port: 45301, sequence: SIM } },
  });
  assert.deepEqual(flowPathProblems(elsewhere), []);
});

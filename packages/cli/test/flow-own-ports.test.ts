// Two listeners of a flow on one port of one address (two inbound endpoints, an endpoint and the HTTP server; a
// wildcard address overlaps every one) are refused naming the later one's JSON path: before, `run --check` said
// valid and the start failed ISO8583_ERR_CLI_LISTEN (EADDRINUSE) on the second, the first already listening.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort } from '@iso8583/test-support';
import { runCli } from './cli-process.js';
import { flowPathProblems } from './flow-problems.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-own-ports-'));
after(() => rmSync(work, { recursive: true, force: true }));

let files = 0;
function flowFile(flow: Record<string, unknown>): string {
  files += 1;
  const file = join(work, `ports${files}.json`);
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

const SIM = { sequence: 'host-simulator' };

test('flow file – two listeners on one port of one address are refused naming the later one and the earlier one', () => {
  const two = flowFile({ inboundEndpoints: { pos: { ...SIM, port: 9711 }, pos2: { ...SIM, port: 9711 } } });
  assert.deepEqual(flowPathProblems(two), ["/inboundEndpoints/pos2/port: 9711 is /inboundEndpoints/pos/port's port too (on 127.0.0.1): each listener needs its own port"]);
  const http = flowFile({ inboundEndpoints: { pos: { ...SIM, port: 9712, host: '0.0.0.0' } }, http: { port: 9712 } });
  assert.deepEqual(flowPathProblems(http), ["/http/port: 9712 is /inboundEndpoints/pos/port's port too (on 0.0.0.0): each listener needs its own port"]);
  // Not collisions: port 0 (any free one) twice, one port on two loopback addresses, two ports.
  assert.deepEqual(flowPathProblems(flowFile({ inboundEndpoints: { pos: { ...SIM, port: 0 }, pos2: { ...SIM, port: 0 } }, http: { port: 0 } })), []);
  assert.deepEqual(flowPathProblems(flowFile({ inboundEndpoints: { pos: { ...SIM, port: 9713 }, pos2: { ...SIM, port: 9713, host: '127.0.0.2' } } })), []);
  assert.deepEqual(flowPathProblems(flowFile({ inboundEndpoints: { pos: { ...SIM, port: 9714 } }, http: { port: 9715 } })), []);
});

test('run --check and run refuse two endpoints on one port with ISO8583_ERR_FLOW_INVALID before listening on any', async (t) => {
  const reserved = await reservePort();
  t.after(() => reserved.release());
  // A port nothing listens on (reserved for this test): the refusal comes from the check, not from an EADDRINUSE.
  const file = flowFile({ inboundEndpoints: { pos: { ...SIM, port: reserved.port }, pos2: { ...SIM, port: reserved.port } } });
  for (const args of [['run', file, '--check'], ['run', file]]) {
    const r = await runCli(args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.equal(r.stdout, '', 'nothing listened');
    assert.match(r.stderr, new RegExp(`^iso8583: ISO8583_ERR_FLOW_INVALID: flow file \\S+ is invalid:\\n {2}\\S+ /inboundEndpoints/pos2/port: ${reserved.port} is /inboundEndpoints/pos/port's port too`));
  }
});

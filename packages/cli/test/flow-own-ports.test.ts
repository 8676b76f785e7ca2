// Two listeners of a flow on one port of one address (two inbound endpoints, an endpoint and the HTTP server; a
// wildcard address overlaps every one) are refused naming the later one's JSON path: before, `run --check` said
// valid and the start failed ISO8583_ERR_CLI_LISTEN (EADDRINUSE) on the second, the first already listening.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, within } from '@iso8583/test-support';
import { BIN, runCli, watchChild } from './cli-process.js';
import { canonicalHost } from '../src/gateway/listen-address.js';
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

// One reading of addresses (gateway/listen-address.ts): `localhost` is 127.0.0.1 or ::1, so it collides with both
// (run --check said valid and the start failed EADDRINUSE); `0.0.0.0` holds every IPv4 address only, so an endpoint
// on `::1` beside it starts (it was refused), while `::` (dual-stack) holds every address.
test('flow file – localhost is 127.0.0.1 too, 0.0.0.0 is IPv4 only, :: is every address', () => {
  const localhost = flowFile({ inboundEndpoints: { posA: { ...SIM, port: 9716, host: 'localhost' }, posB: { ...SIM, port: 9716, host: '127.0.0.1' } } });
  assert.deepEqual(flowPathProblems(localhost), ["/inboundEndpoints/posB/port: 9716 is /inboundEndpoints/posA/port's port too (on localhost): each listener needs its own port"]);
  const mapped = flowFile({ inboundEndpoints: { pos: { ...SIM, port: 9717 }, pos6: { ...SIM, port: 9717, host: '[::FFFF:127.0.0.1]' } } });
  assert.deepEqual(flowPathProblems(mapped), ["/inboundEndpoints/pos6/port: 9717 is /inboundEndpoints/pos/port's port too (on 127.0.0.1): each listener needs its own port"]);
  const dual = flowFile({ inboundEndpoints: { pos4: { ...SIM, port: 9718, host: '0.0.0.0' }, pos6: { ...SIM, port: 9718, host: '::' } } });
  assert.deepEqual(flowPathProblems(dual), ["/inboundEndpoints/pos6/port: 9718 is /inboundEndpoints/pos4/port's port too (on 0.0.0.0): each listener needs its own port"]);
  const any = flowFile({ inboundEndpoints: { pos6: { ...SIM, port: 9719, host: '::' } }, http: { port: 9719 } });
  assert.deepEqual(flowPathProblems(any), ["/http/port: 9719 is /inboundEndpoints/pos6/port's port too (on ::): each listener needs its own port"]);
  assert.deepEqual(flowPathProblems(flowFile({ inboundEndpoints: { pos4: { ...SIM, port: 9720, host: '0.0.0.0' }, pos6: { ...SIM, port: 9720, host: '::1' } } })), []);
  // An IPv6 address with a zone is read too (not a crash of the check).
  assert.deepEqual(flowPathProblems(flowFile({ inboundEndpoints: { pos: { ...SIM, port: 9721 }, link: { ...SIM, port: 9721, host: 'fe80::1%lo' } } })), []);
});

// An IPv4 address in a short form the resolver reads (inet_aton's rules) is where a listener given it binds: `127.1`
// beside `127.0.0.1` on one port failed EADDRINUSE at the start after `run --check` said valid.
test('IPv4 short forms (127.1, 0x7f.1, 2130706433, 0177.0.0.1, 0) are the address a real listener binds, and collide', async () => {
  for (const [form, address] of [['127.1', '127.0.0.1'], ['0x7f.1', '127.0.0.1'], ['2130706433', '127.0.0.1'], ['0177.0.0.1', '127.0.0.1'], ['0', '0.0.0.0']] as const) {
    const server = createServer();
    await within(new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, form, () => resolve())), 20_000, `a listen on ${form}`);
    const bound = (server.address() as { address: string }).address;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    assert.equal(bound, address, `a listener given ${form} binds ${address}`);
    assert.equal(canonicalHost(form), address, form);
  }
  const short = flowFile({ inboundEndpoints: { pos: { ...SIM, port: 9722, host: '127.0.0.1' }, pos2: { ...SIM, port: 9722, host: '127.1' } } });
  assert.deepEqual(flowPathProblems(short), ["/inboundEndpoints/pos2/port: 9722 is /inboundEndpoints/pos/port's port too (on 127.0.0.1): each listener needs its own port"]);
  const zero = flowFile({ inboundEndpoints: { any: { ...SIM, port: 9723, host: '0' } }, http: { port: 9723, host: '0x7f.1' } });
  assert.deepEqual(flowPathProblems(zero), ["/http/port: 9723 is /inboundEndpoints/any/port's port too (on 0): each listener needs its own port"]);
  // Names and what inet_aton refuses stay as written: 127.0.0.2 in short form is its own address, a name is a name.
  assert.deepEqual(flowPathProblems(flowFile({ inboundEndpoints: { pos: { ...SIM, port: 9724 }, pos2: { ...SIM, port: 9724, host: '127.2' } } })), []);
  assert.equal(canonicalHost('127.0.0.1.'), '127.0.0.1.');
  assert.equal(canonicalHost('cafe.example'), 'cafe.example');
  assert.equal(canonicalHost('1.2.3.256'), '1.2.3.256');
});

/** Whether this machine has an IPv6 loopback: a listen on ::1 succeeds. */
async function hasIPv6Loopback(): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => server.once('error', () => resolve(false)).listen(0, '::1', () => resolve(true)));
  if (ok) await new Promise<void>((resolve) => server.close(() => resolve()));
  return ok;
}

test('run --check passes and run starts a flow with endpoints on 0.0.0.0 and ::1 of one port, both listening', async (t) => {
  const reserved = await reservePort();
  t.after(() => reserved.release());
  const file = flowFile({ name: 'v4v6', inboundEndpoints: { pos4: { ...SIM, port: reserved.port, host: '0.0.0.0' }, pos6: { ...SIM, port: reserved.port, host: '::1' } } });
  const checked = await runCli(['run', file, '--check']);
  assert.equal(checked.code, 0, checked.stderr);
  if (!(await hasIPv6Loopback())) {
    t.skip('no IPv6 loopback on this machine (a listen on ::1 failed)');
    return;
  }
  const child = spawn(process.execPath, [BIN, 'run', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const watched = watchChild(child);
  const ended = watched.exited.then((code) => `ended (exit ${code}) before ready: ${watched.stderr}`);
  const ready = watched.printed('flow v4v6 ready\n').then(() => 'ready');
  assert.equal(await within(Promise.race([ready, ended]), 20_000, 'the flow to start or end'), 'ready');
  assert.match(watched.stdout, new RegExp(`inbound pos4 listening on 0\\.0\\.0\\.0:${reserved.port}\\n`));
  assert.match(watched.stdout, new RegExp(`inbound pos6 listening on \\[::1\\]:${reserved.port}\\n`));
  child.kill('SIGTERM');
  assert.equal(await within(watched.exited, 20_000, `the flow to stop; stderr: ${watched.stderr}`), 0);
});

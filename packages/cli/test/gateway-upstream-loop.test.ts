// An upstream that is the gateway's own POS listener (`--upstream 127.0.0.1:P --listen P`) was accepted by
// --check-config and by the start: every request the gateway forwarded came back to it as a new POS request, forwarded
// again, until the in-flight limit; no bank saw one. The real binary now refuses it (check and start alike), naming
// the flag, or the config file and its key; the same port on another address, or --listen 0, is still accepted.
import { spawn } from 'node:child_process';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort, within } from '@iso8583/test-support';
import type { BatchResult } from '@iso8583/test-support';
import { BIN, runCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';

const LOOP = "is the gateway's own POS listener";

test('gateway: an upstream equal to its own POS listener is refused, naming the flag or the config file key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-loop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journal = ['--reversal-journal', join(dir, 'journal')];
  const write = (name: string, content: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(content));
    return file;
  };
  const refused = async (args: string[], start: string): Promise<void> => {
    const r = await runCli(['gateway', ...args, ...journal, '--check-config']);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: ${start}`), r.stderr);
    assert.ok(r.stderr.includes(LOOP), r.stderr);
  };
  await refused(['--upstream', '127.0.0.1:9583', '--listen', '9583'], '--upstream 127.0.0.1:9583 ');
  await refused(['--upstream', 'localhost:9583', '--listen', '9583', '--bind', '0.0.0.0'], '--upstream localhost:9583 ');
  await refused(['--upstream', '[::1]:9583', '--listen', '9583', '--bind', '::1'], '--upstream [::1]:9583 ');
  await refused(['--upstream', '[::1]:9583', '--listen', '9583', '--bind', '::'], '--upstream [::1]:9583 ');
  await refused(['--upstream', '127.0.0.1:9583', '--listen', '9583', '--bind', '[::ffff:127.0.0.1]'], '--upstream 127.0.0.1:9583 ');
  // An upstream on the unspecified address (0.0.0.0, [::]) is refused before this check, whatever the ports
  // (gateway-upstream-unspecified.test.ts).
  await refused(['--upstream', 'a=10.1.1.1:9583', '--upstream', 'b=127.0.0.1:9583', '--listen', '9583'], '--upstream b=127.0.0.1:9583 ');
  await refused(['--upstream-host', '127.0.0.1', '--upstream-port', '9583', '--listen', '9583'], '--upstream-host ');
  const file = write('loop.json', { upstream: '127.0.0.1:9583', listen: 9583 });
  await refused(['--config', file], `config file ${file}: /upstream: 127.0.0.1:9583 `);
  const named = write('named.json', { upstreams: [{ name: 'bankA', upstream: '10.1.1.1:9583' }, { name: 'bankB', upstream: '127.0.0.1:9583' }], listen: 9583 });
  await refused(['--config', named], `config file ${named}: /upstreams/1/upstream: bankB=127.0.0.1:9583 `);
  const halves = write('halves.json', { upstreamHost: '127.0.0.1', upstreamPort: 9583, listenPort: 9583 });
  await refused(['--config', halves], `config file ${halves}: /upstreamHost: 127.0.0.1:9583 `);
  // The file's upstream with the flag's --listen: the file's key is named.
  await refused(['--config', write('upstream.json', { upstream: '127.0.0.1:9583' }), '--listen', '9583'], 'config file ');

  // Not loops: another host on the same port, another port, any free port, a loopback upstream beside a listener
  // bound to another address only.
  for (const args of [
    ['--upstream', '10.1.1.1:9583', '--listen', '9583'],
    ['--upstream', '127.0.0.1:9584', '--listen', '9583'],
    ['--upstream', '127.0.0.1:9583', '--listen', '0'],
    ['--upstream', '127.0.0.2:9583', '--listen', '9583'],
    // 0.0.0.0 holds every IPv4 address only: [::1]:9583 is another process's listener, not the gateway's.
    ['--upstream', '[::1]:9583', '--listen', '9583', '--bind', '0.0.0.0'],
  ]) {
    const ok = await runCli(['gateway', ...args, ...journal, '--check-config']);
    assert.equal(ok.code, 0, `${args.join(' ')}: ${ok.stderr}`);
    assert.match(ok.stdout, /gateway config is valid: /);
  }
});

test('gateway: the start refuses an upstream equal to its own POS listener before it opens a port', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-upstream-loop-start-'));
  const reserved = await reservePort();
  t.after(() => reserved.release());
  const port = String(reserved.port);
  const child = spawn(process.execPath, [BIN, 'gateway', '--upstream', `127.0.0.1:${port}`, '--listen', port, '--no-http', '--reversal-journal', join(dir, 'journal')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const code = await within(
    new Promise<number | null>((resolve) => child.on('close', resolve)),
    20_000,
    'the gateway to refuse its start (before the fix it ran, forwarding to itself)',
  );
  assert.equal(code, 1, stdout);
  assert.doesNotMatch(stdout, /gateway listening/);
  assert.ok(stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: --upstream 127.0.0.1:${port} ${LOOP}`), stderr);
});

// The HTTP port (routes, console, SocketQueue's HTTP API), --metrics and --stats-port are the gateway's own too: an
// upstream on one of them sent every request to the gateway's own HTTP or stats server, and --check-config said valid.
const OTHER = /is the gateway's own (HTTP|metrics|stats) listener \((--http|--metrics|--stats-port), [^)]+\): its requests would go to the gateway itself, never to a bank; give the bank's address\n$/;
const otherBatch = mainBatch();
const work = mkdtempSync(join(tmpdir(), 'iso8583-upstream-own-http-'));
after(() => rmSync(work, { recursive: true, force: true }));
const journal = ['--reversal-journal', join(work, 'journal')];
const check = (args: string[]): (() => Promise<BatchResult>) => otherBatch.line(['gateway', ...args, ...journal, '--check-config']);
const sqFile = join(work, 'sq.json');
writeFileSync(sqFile, JSON.stringify({ upstreams: [{ name: 'bankA', upstream: '10.1.1.1:9680' }, { name: 'bankB', upstream: 'localhost:9680' }], listenHttpPort: 9680 }));
const refusedLines = [
  { args: ['--upstream', '127.0.0.1:8080'], start: '--upstream 127.0.0.1:8080 ', what: 'HTTP' },
  { args: ['--upstream', '127.0.0.1:9681', '--http', '9681', '--http-bind', '0.0.0.0'], start: '--upstream 127.0.0.1:9681 ', what: 'HTTP' },
  { args: ['--upstream', '127.0.0.1:9682', '--metrics', '9682'], start: '--upstream 127.0.0.1:9682 ', what: 'metrics' },
  { args: ['--upstream-host', 'localhost', '--upstream-port', '9683', '--stats-port', '9683'], start: '--upstream-host ', what: 'stats' },
  { args: ['--config', sqFile], start: `config file ${sqFile}: /upstreams/1/upstream: bankB=localhost:9680 `, what: 'HTTP' },
].map((l) => ({ ...l, ran: check(l.args) }));
const acceptedLines = [
  ['--upstream', '127.0.0.1:8080', '--no-http'],
  ['--upstream', '127.0.0.1:8080', '--http', '0'],
  ['--upstream', '10.1.1.1:9682', '--metrics', '9682'],
  ['--upstream', '127.0.0.1:9684', '--http', '9684', '--http-bind', '127.0.0.2'],
].map((args) => ({ args, ran: check(args) }));

test('gateway: an upstream equal to its own HTTP, metrics or stats listener is refused, naming the flag or file key and the listener', async () => {
  for (const l of refusedLines) {
    const r = await l.ran();
    assert.equal(r.code, 1, `${l.args.join(' ')}: ${r.stdout}`);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.startsWith(`iso8583: ISO8583_ERR_GATEWAY_CONFIG: ${l.start}`), r.stderr);
    assert.match(r.stderr, OTHER);
    assert.equal(OTHER.exec(r.stderr)?.[1], l.what, r.stderr);
  }
  for (const l of acceptedLines) {
    const r = await l.ran();
    assert.equal(r.code, 0, `${l.args.join(' ')}: ${r.stderr}`);
    assert.match(r.stdout, /gateway config is valid: /);
  }
});

// `iso8583 run FLOW` reads the flow file as every file the command is given is read (read-file.ts `readFlagFile`): a
// named FIFO nobody writes, a device such as /dev/zero or a file over 32 MiB is refused at once with
// ISO8583_ERR_FLOW_FILE naming the file, never waited on for ever nor read into memory without end; a pipe of this
// process (/dev/stdin) is still read to its end. The real binary, a real FIFO.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { FLOW_FILE_LIMIT, loadFlow } from '../src/flow/load.js';
import { BIN } from './cli-process.js';
import type { CliResult } from './cli-process.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-file-kinds-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Milliseconds a refused flow file may take to end the command (a start of Node on a busy machine included). */
const BOUND = 30_000;

/** Runs `iso8583 ...args` (stdin `input`), killed with SIGKILL if it has not ended within {@link BOUND}. */
async function bounded(args: string[], what: string, input?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => undefined);
  child.stdin.end(input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdoutBytes, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
  try {
    return await within(done, BOUND, what);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

const fifo = join(work, 'flow.json');
const made = spawnSync('mkfifo', [fifo]);
assert.equal(made.status, 0, `mkfifo: ${String(made.stderr)}`);

for (const check of [false, true]) {
  test(`run${check ? ' --check' : ''} on a named FIFO nobody writes ends at once: ISO8583_ERR_FLOW_FILE naming the file`, async () => {
    const r = await bounded(['run', fifo, ...(check ? ['--check'] : [])], `run${check ? ' --check' : ''} on a FIFO to end`);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `iso8583: ISO8583_ERR_FLOW_FILE: flow file ${fifo} cannot be read: ${fifo} is a FIFO (named pipe), not a regular file: give a file (a pipe is read from /dev/stdin, /dev/fd/N or /proc/self/fd/N, as a shell's <(...) gives it)\n`);
  });
}

test('run on /dev/zero ends at once: ISO8583_ERR_FLOW_FILE, a character device, nothing read', async () => {
  const r = await bounded(['run', '/dev/zero'], 'run /dev/zero to end');
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, 'iso8583: ISO8583_ERR_FLOW_FILE: flow file /dev/zero cannot be read: /dev/zero is a character device, not a regular file: give a file\n');
});

test('a flow file over FLOW_FILE_LIMIT (32 MiB) is refused before it is read: ISO8583_ERR_FLOW_FILE naming the file', (t) => {
  const big = join(work, 'big.json');
  t.after(() => rmSync(big, { force: true }));
  // A sparse file: its size says it, no byte of it is written (nor read: the size is refused first).
  writeFileSync(big, '{');
  truncateSync(big, FLOW_FILE_LIMIT + 1);
  assert.throws(() => loadFlow(big), (err: unknown) => {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_FLOW_FILE');
    assert.equal(err.field, big);
    assert.equal(err.message, `flow file ${big} cannot be read: ${big} is larger than ${FLOW_FILE_LIMIT} bytes, more than this file can hold: give the right file`);
    return true;
  });
});

test('run --check /dev/stdin (a shell\'s pipe) and <(...) still read a flow to its end', () => {
  const flow = join(work, 'piped.json');
  writeFileSync(flow, JSON.stringify({ name: 'piped', inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } }));
  for (const script of ['cat "$1" | "$NODE" "$BIN" run /dev/stdin --check', '"$NODE" "$BIN" run <(cat "$1") --check']) {
    const r = spawnSync('bash', ['-c', script, 'bash', flow], {
      encoding: 'utf8', timeout: BOUND, killSignal: 'SIGKILL', env: { ...process.env, BIN, NODE: process.execPath },
    });
    assert.equal(r.stderr, '', script);
    assert.equal(r.status, 0, script);
    assert.equal(r.stdout, 'flow piped is valid\n', script);
  }
});

test('run with a logFile that is a named FIFO nobody reads ends at once: ISO8583_ERR_FLOW_FILE naming /logFile, ENXIO', async () => {
  const logFifo = join(work, 'log.fifo');
  assert.equal(spawnSync('mkfifo', [logFifo]).status, 0);
  const flow = join(work, 'logs-to-fifo.json');
  writeFileSync(flow, JSON.stringify({ logFile: './log.fifo', inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } }));
  const r = await bounded(['run', flow], 'run with a FIFO log file to end');
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `iso8583: ISO8583_ERR_FLOW_FILE: flow file ${flow}: /logFile: ${logFifo} cannot be opened for writing: ENXIO (no such device or address)\n`);
});

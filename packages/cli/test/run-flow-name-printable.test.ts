// `iso8583 run`: the flow's name (the file's "name", any string) reaches stdout with its control characters shown as
// `?` (io.ts `printable`), in the --check verdict and in the ready and stop lines: a name with a newline forged a
// second line ("flow fake ready", what a supervisor waits for) and one with an escape sequence drove the terminal.
// The real binary, a real flow file, real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runCli, stopWhenPrinted } from './cli-process.js';

const NAME = 'pay\nflow fake ready\n\u001b[2J';
const SHOWN = 'pay?flow fake ready??[2J';

function flowFile(t: { after: (fn: () => void) => void }, logLevel = 'warn', name = NAME): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-name-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name, connectors: {}, inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } }, logLevel }));
  return file;
}

/** Runs `iso8583 run FILE` (with `env`), stops it with SIGTERM once it printed its ready line; its exit code and output. */
function runUntilStopped(t: { after: (fn: () => void) => void }, file: string, env?: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, 'run', file], { stdio: ['ignore', 'pipe', 'pipe'], ...(env === undefined ? {} : { env }) });
  t.after(() => child.kill('SIGKILL'));
  return stopWhenPrinted(child, ' ready\n', { ready: 'the ready line', exit: 'the flow to stop' });
}

test('run --check shows a flow name\'s control characters as ?', async (t) => {
  const r = await runCli(['run', flowFile(t), '--check']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `flow ${SHOWN} is valid\n`);
});

test('run: the ready and stop lines show a flow name\'s control characters as ?, no line forged', async (t) => {
  const { code, stdout, stderr } = await runUntilStopped(t, flowFile(t));
  assert.equal(code, 0, stderr);
  const lines = stdout.split('\n');
  assert.ok(lines.includes(`flow ${SHOWN} ready`), stdout);
  assert.ok(lines.includes(`flow ${SHOWN} stopped`), stdout);
  assert.ok(!lines.includes('flow fake ready'), 'no forged ready line');
  assert.ok(!stdout.includes('\u001b'), 'no escape character on stdout');
});

test('run: the stop line on stderr (pino-pretty) shows a flow name\'s newlines and bidi controls as ?', async (t) => {
  const name = 'pay\nflow fake stopped\u202e\u2028x';
  const { code, stdout, stderr } = await runUntilStopped(t, flowFile(t, 'info', name), { ...process.env, ISO8583_LOG_FORMAT: 'pretty' });
  assert.equal(code, 0, stderr);
  assert.ok(stdout.includes('flow pay?flow fake stopped??x ready'), stdout);
  assert.match(stderr, /flow pay\?flow fake stopped\?\?x stopped/, 'the stop line on stderr');
  assert.ok(!stderr.split('\n').some((l) => l.startsWith('flow fake stopped')), 'no forged line on stderr');
  assert.ok(!/[\u202e\u2028]/.test(stdout + stderr), 'no bidi control or line separator shown');
});

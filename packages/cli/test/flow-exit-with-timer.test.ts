// A sequence module that holds a timer (a cache refreshed every minute at its top level) keeps the event loop alive:
// `run --check` and a failed start still end, once their output is written, with their exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { runCli } from './cli-process.js';

type After = { after(fn: () => unknown): void };

function flowWithTimer(t: After, port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-timer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'cached.mjs'), `let bins = new Set(['411111']);
setInterval(() => { bins = new Set(bins); }, 60_000);
export default function cached(message) {
  return { 0: '0210', 11: message.fields['11'], 39: bins.has('411111') ? '00' : '14' };
}
`);
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ name: 'timer', inboundEndpoints: { pos: { port, sequence: './cached.mjs' } }, logLevel: 'warn' }));
  return file;
}

test('run --check: a sequence module with a top-level timer: valid, and the command exits 0', async (t) => {
  const r = await within(runCli(['run', flowWithTimer(t, 0), '--check']), 20_000, 'run --check to exit');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /valid/);
});

test('run: a start that fails (its port in use) with a sequence module holding a timer: the error line, exit 1', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => taken.close(() => resolve())));
  const r = await within(runCli(['run', flowWithTimer(t, (taken.address() as AddressInfo).port)]), 20_000, 'the failed start to exit');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_LISTEN: \/inboundEndpoints\/pos\/port/);
});

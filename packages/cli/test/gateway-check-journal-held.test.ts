// `--check-config` with a journal folder a live gateway holds: the start would be refused
// ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED, and the check said only "valid". Now it reads the lock (without taking it) and
// says, on a `warning:` line, who holds the folder (its pid); the config stays valid (a new config is checked while
// the gateway it replaces still runs). Real files, real processes: the holder is a gateway started by the binary, the
// check the binary again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { BIN, runCli, seen } from './cli-process.js';

test('gateway --check-config warns that a live gateway holds the journal folder, naming its pid', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-check-held-'));
  // A bank that accepts and answers nothing: the gateway needs only its address.
  const sockets: Socket[] = [];
  const bank = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => bank.close(() => resolve()));
  });
  const upstream = `127.0.0.1:${(bank.address() as { port: number }).port}`;
  const journal = join(dir, 'journal');
  const args = ['--upstream', upstream, '--listen', '0', '--no-http', '--reversal-journal', journal];
  const free = await runCli(['gateway', ...args, '--check-config']);
  assert.equal(free.code, 0, free.stderr);
  assert.doesNotMatch(free.stdout, /in use/);
  const gateway = spawn(process.execPath, [BIN, 'gateway', ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const ended = new Promise((resolve) => gateway.once('close', resolve));
  t.after(async () => {
    gateway.kill('SIGTERM');
    await within(ended, 10_000, 'the gateway did not stop after SIGTERM');
  });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await within(seen(gateway.stdout, /gateway listening/), 20_000, 'the gateway did not start');
  const held = await runCli(['gateway', ...args, '--check-config']);
  assert.equal(held.code, 0, held.stderr);
  assert.match(held.stdout, new RegExp(`warning: --reversal-journal: the journal folder ${journal.replace(/[.]/g, '\\.')} is in use by process ${String(gateway.pid)} `));
  assert.match(held.stdout, /gateway config is valid/);
});

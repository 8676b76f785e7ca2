// `iso8583 demo` without --http: two demos started at the same moment both get an HTTP port. It listens on 8080 and,
// when that is in use, on any free port; no probe first (two probes both saw 8080 free, and the later listen failed
// with `ISO8583_ERR_CLI_LISTEN: --http ...` for a flag the user never gave).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { BIN, watchChild } from './cli-process.js';

test('two demos started at once both serve, each on its own HTTP port', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'iso8583-demo-two-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const env = { ...process.env, TMPDIR: tmp };
  const demos = [0, 1].map(() => {
    const child = spawn(process.execPath, [BIN, 'demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    return { child, watched: watchChild(child) };
  });
  const ports: number[] = [];
  for (const { watched } of demos) {
    const failed = watched.exited.then((code) => {
      throw new Error(`a demo ended before serving (exit ${String(code)}): ${watched.stdout}${watched.stderr}`);
    });
    await within(Promise.race([watched.printed('Ctrl-C stops.\n'), failed]), 60_000, 'both demos to serve');
    const m = /http=127\.0\.0\.1:(\d+)\n/.exec(watched.stdout);
    assert.ok(m !== null, watched.stdout);
    ports.push(Number(m[1]));
  }
  assert.notEqual(ports[0], ports[1], 'each demo has its own HTTP port');
  for (const { child, watched } of demos) {
    child.kill('SIGINT');
    const code = await within(watched.exited, 30_000, 'the demo to stop on SIGINT');
    assert.equal(code, 0, watched.stdout + watched.stderr);
  }
});

test('a demo whose 8080 is taken serves on another HTTP port, with no error', async (t) => {
  // 8080 held here (or by whatever holds it already on this machine: taken either way).
  const holder = createServer();
  await new Promise<void>((resolve) => {
    holder.once('error', () => resolve());
    holder.listen(8080, '127.0.0.1', () => resolve());
  });
  t.after(() => holder.close());
  const tmp = mkdtempSync(join(tmpdir(), 'iso8583-demo-taken-'));
  const child = spawn(process.execPath, [BIN, 'demo'], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const watched = watchChild(child);
  const failed = watched.exited.then((code) => {
    throw new Error(`the demo ended before serving (exit ${String(code)}): ${watched.stdout}${watched.stderr}`);
  });
  await within(Promise.race([watched.printed('Ctrl-C stops.\n'), failed]), 60_000, 'the demo to serve');
  const m = /http=127\.0\.0\.1:(\d+)\n/.exec(watched.stdout);
  assert.ok(m !== null && Number(m[1]) !== 8080, watched.stdout);
  child.kill('SIGINT');
  assert.equal(await within(watched.exited, 30_000, 'the demo to stop on SIGINT'), 0, watched.stdout + watched.stderr);
});

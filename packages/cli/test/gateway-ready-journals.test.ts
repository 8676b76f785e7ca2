// `iso8583 gateway` (the real binary) with several upstreams prints its ready line only once every upstream's reversal
// journal is open and locked. It printed it while the second upstream's journal was still to be opened: a journal
// folder in use by a live process (another gateway) then failed that upstream's start in the background, and the
// gateway ran, ready, with an upstream whose every request failed. Now the start stops with the journal's error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

test('gateway: a second upstream whose journal folder a live process holds stops the start (no ready line), as the first one does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-ready-journals-'));
  const journal = join(dir, 'journal');
  mkdirSync(join(journal, 'b'), { recursive: true });
  // Upstream b's folder is locked by this (live) process.
  writeFileSync(join(journal, 'b', 'reversals.lock'), `${process.pid}\n`);
  const config = join(dir, 'gateway.json');
  writeFileSync(config, JSON.stringify({ upstreams: [{ name: 'a', upstream: '127.0.0.1:9' }, { name: 'b', upstream: '127.0.0.1:10' }] }));
  const args = ['gateway', '--config', config, '--listen', '0', '--no-http', '--no-transaction-log', '--reversal-journal', journal];
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const seen = { stdout: '', stderr: '' };
  child.stderr.on('data', (b: Buffer) => (seen.stderr += b.toString('utf8')));
  // Either the process ends (the fix) or it prints its ready line (the bug: then it is killed here).
  const ready = new Promise<'ready'>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      seen.stdout += b.toString('utf8');
      if (seen.stdout.includes('gateway listening')) resolve('ready');
    });
  });
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const first = await within(Promise.race([ready, ended]), 30_000, 'the gateway to end or print its ready line');
  assert.notEqual(first, 'ready', `the ready line came before upstream b's journal was locked: ${seen.stdout}`);
  assert.equal(first, 1, seen.stderr);
  assert.match(seen.stderr, /ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED/);
  assert.doesNotMatch(seen.stdout, /gateway listening/);
});

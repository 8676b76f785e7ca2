// The folder lock's take-over of a stale lock when several processes start at once: child processes, released together
// by one line written to each one's stdin, open the same folder whose lock holds the pid of a process that is gone.
// Exactly one of them owns the folder each round (read pid, unlink, link by two processes at once let two own it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { goneProcessId } from '@iso8583/test-support';
import { LOCK_FILE, TRANSACTION_LOCK_FILE } from '../src/index.js';
import { startChild } from './child.js';
import type { Child } from './child.js';

/** A pid no process has (a fixed one such as 4,000,000 can be a live process's where pid_max is 4,194,304). */
const GONE = goneProcessId();
const CHILDREN = 3;
const ROUNDS = 40;

async function race(t: { after(fn: () => void): void }, store: 'journal' | 'transactions', lockFile: string): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'iso8583-lock-race-'));
  const children: Child[] = [];
  t.after(() => {
    for (const c of children) c.process.kill('SIGKILL');
  });
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (let i = 0; i < CHILDREN; i++) children.push(startChild('lock-race-child', { store }));
  // Started (a node process each: slow on a loaded machine), before any round.
  await Promise.all(children.map((c) => c.waitLine('ready', 60_000)));
  for (let round = 0; round < ROUNDS; round++) {
    const dir = join(root, `r${round}`);
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, lockFile), `${GONE}\n`);
    // The gate: the same line to every child in one turn of the event loop.
    for (const c of children) c.process.stdin?.write(`open r${round} ${dir}\n`);
    const outcomes = await Promise.all(children.map((c) => c.waitLine(`r${round} `)));
    const opened = outcomes.filter((l) => l === `r${round} opened`);
    assert.equal(opened.length, 1, `round ${round}: ${outcomes.join(' | ')}`);
    for (const c of children) c.process.stdin?.write(`close r${round}\n`);
    await Promise.all(children.map((c) => c.waitLine(`r${round} closed`)));
    // No gate file is left behind, and the lock went with its owner.
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.lock')), [], `round ${round}`);
  }
  for (const c of children) c.process.stdin?.end();
  await Promise.all(children.map((c) => c.exited));
}

test('Three journals opened at once on a folder with a stale lock: exactly one opens it, every round', async (t) => {
  await race(t, 'journal', LOCK_FILE);
});

test('Three transaction logs opened at once on a folder with a stale lock: exactly one opens it, every round', async (t) => {
  await race(t, 'transactions', TRANSACTION_LOCK_FILE);
});

// A graceful stop that fails because a reversal journal was lost while the command ran (its file removed) logs the
// cause, then an end line that says the stop failed: before, `gateway stopped` (info, a stop that went well) came
// first and the ISO8583_ERR_CONNECTOR_JOURNAL error after it. The real binary, `gateway` and `run` alike.
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { BIN, seen } from './cli-process.js';

type After = { after(fn: () => void): void };

/** Runs `iso8583 ...args`, waits for `ready` on stdout, removes `journal`, stops it (SIGTERM): its code and log lines. */
async function stopWithoutJournal(t: After, args: string[], ready: RegExp, journal: string): Promise<{ code: number | null; lines: { level: number; msg: string; failed?: unknown }[]; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  await within(seen(child.stdout, ready), 20_000, `${args[0] ?? ''} to be ready`);
  rmSync(journal, { recursive: true, force: true });
  child.kill('SIGTERM');
  const code = await within(closed, 20_000, `${args[0] ?? ''} to end after SIGTERM: ${stderr}`);
  const lines = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; failed?: unknown });
  return { code, lines, stderr };
}

/** The stop's lines: the journal's error, then the failed end, and no `stopped` line. */
function assertFailedEnd(r: { code: number | null; lines: { level: number; msg: string; failed?: unknown }[]; stderr: string }, what: string): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.lines.find((l) => l.msg === `${what} stopped`), undefined, `no "${what} stopped" line for a stop that failed: ${r.stderr}`);
  const lost = r.lines.findIndex((l) => l.msg.startsWith(`${what}: the reversal journal in `));
  const end = r.lines.findIndex((l) => l.msg === `${what} stop failed (ISO8583_ERR_CONNECTOR_JOURNAL)`);
  assert.ok(lost >= 0 && end > lost, `the lost journal's line, then the failed end: ${r.stderr}`);
  assert.equal(r.lines[end]?.level, 50);
  assert.equal(r.lines[end]?.failed, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.match(r.stderr, /iso8583: ISO8583_ERR_CONNECTOR_JOURNAL: the graceful stop failed: the reversal journal in \S+ was lost/);
}

test('gateway: a stop that fails on a lost journal never logs "gateway stopped"; the cause, then "gateway stop failed"', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-stop-failed-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const journal = join(dir, 'journal');
  const args = ['gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--reversal-journal', journal];
  assertFailedEnd(await stopWithoutJournal(t, args, /gateway listening /, journal), 'gateway');
});

test('run: a stop that fails on a lost journal never logs "flow NAME stopped"; the cause, then "flow NAME stop failed"', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-stop-failed-flow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'lost.json');
  writeFileSync(file, JSON.stringify({
    connectors: { bank: { host: '127.0.0.1', port: 9, reversal: { enabled: true, journalDir: 'j' } } },
    inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } },
  }));
  assertFailedEnd(await stopWithoutJournal(t, ['run', file], /flow lost ready\n/, join(dir, 'j')), 'flow lost');
});

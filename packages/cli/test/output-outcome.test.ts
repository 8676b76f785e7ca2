// A failed write to stdout after a command has decided its outcome, or after a server has started: the command's own
// exit code wins (`load ... | true` with requests unanswered exits 1, not 0), and a server whose start line nobody
// reads (`simulate-host --port 0 | true`) closes its port and fails (exit 1, the error line) instead of running on,
// silent, for ever (the real binary, real sockets and real pipes whose reader closed at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { BIN, startCli } from './cli-process.js';

/** How long a run may take on a busy machine before the test gives up on it (it should end in well under a second). */
const DEADLINE_MS = 20_000;

/** Runs the binary (with `input` on stdin, if any) with stdout's reader gone at once; resolves to its exit code and stderr, or fails at the deadline. */
async function runWithStdoutClosed(t: { after(fn: () => unknown): void }, args: string[], input?: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(input ?? '');
  t.after(() => child.kill('SIGKILL'));
  // The reader goes away before the command writes anything (as `| true` does).
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr }))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`iso8583 ${args[0] ?? ''} still running ${DEADLINE_MS} ms after its stdout closed; stderr: ${stderr}`)), DEADLINE_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

test('simulate-host whose start line nobody reads (EPIPE) closes its port and exits 1 with the error line', async (t) => {
  const { code, stderr } = await runWithStdoutClosed(t, ['simulate-host', '--port', '0']);
  assert.equal(code, 1);
  assert.match(stderr, /^iso8583: ISO8583_ERR_CLI_OUTPUT: the output cannot be written: EPIPE .*stopped/m);
});

test('load against a host that never answers, its summary unread (EPIPE), exits 1: the run\'s outcome, not 0', async (t) => {
  const sockets = new Set<Socket>();
  const host = createServer((socket) => {
    sockets.add(socket);
    socket.resume(); // reads every request, answers none
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    host.close();
  });
  const port = (host.address() as { port: number }).port;
  const { code, stderr } = await runWithStdoutClosed(t, ['load', '--port', String(port), '--count', '2', '--clients', '1', '--timeout', '200', '--quiet']);
  assert.equal(stderr, '', 'a closed stdout gets no error line');
  assert.equal(code, 1);
});

test('send whose answer nobody reads (EPIPE) still closes its connection and ends, the host keeping its side open', async (t) => {
  // The host simulator keeps an idle connection open for ever (--first-message-timeout 0): only send's close ends it.
  const host = await startCli(['simulate-host', '--port', '0']);
  t.after(() => host.stop());
  const echo = JSON.stringify({ 0: '0800', 7: '1121103000', 11: '000001', 70: '301' });
  const { code, stderr } = await runWithStdoutClosed(t, ['send', '--port', String(host.port)], echo);
  assert.equal(stderr, '', 'a closed stdout gets no error line');
  assert.equal(code, 0, 'answered: the outcome is the answer, whatever became of its printing');
});

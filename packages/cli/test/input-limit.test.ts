// A one-shot command reads at most 16 MiB of stdin as one input (a message, a bare wire image, its hex): past it the
// input is refused at once, stdin still open, rather than held whole in memory until it ends (a capture of gigabytes
// given by mistake, a stream that never ends). The real binary, a real pipe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN } from './cli-process.js';

/** The limit (io.ts `MAX_INPUT_BYTES`). */
const LIMIT = 16 * 1024 * 1024;

/** How long a command may take to refuse once it has more than the limit (a deadline, not an ordering). */
const DEADLINE_MS = 30_000;

/** Runs `iso8583 ...args`, writes `LIMIT + 1` bytes of `fill` on stdin and leaves it open; the exit and stderr. */
async function overLimit(args: string[], fill: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  child.stdin.on('error', () => undefined);
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin.write(Buffer.alloc(LIMIT + 1, fill));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), DEADLINE_MS)));
  try {
    const first = await Promise.race([ended.then(() => 'ended' as const), deadline]);
    assert.equal(first, 'ended', `iso8583 ${args.join(' ')} still reads stdin ${DEADLINE_MS} ms after it got ${LIMIT + 1} bytes`);
    return { code: await ended, stderr };
  } finally {
    clearTimeout(timer);
    child.kill();
  }
}

test('decode of a bare wire image over 16 MiB on stdin is refused before stdin ends, pointing to --frame', async () => {
  const r = await overLimit(['decode'], '0');
  assert.equal(r.stderr, `iso8583: ISO8583_ERR_CLI_INPUT: the wire image on stdin is over ${LIMIT} bytes, more than any message (a stream of messages: give --frame)\n`);
  assert.equal(r.code, 1);
});

test('decode --input hex and encode of over 16 MiB on stdin are refused before stdin ends', async () => {
  const hex = await overLimit(['decode', '--input', 'hex'], '3');
  assert.equal(hex.stderr, `iso8583: ISO8583_ERR_CLI_INPUT: the wire image on stdin is over ${LIMIT} bytes, more than any message\n`);
  assert.equal(hex.code, 1);
  const encode = await overLimit(['encode'], ' ');
  assert.equal(encode.stderr, `iso8583: ISO8583_ERR_CLI_INPUT: the message on stdin is over ${LIMIT} bytes, more than any message\n`);
  assert.equal(encode.code, 1);
});

// `iso8583 simulate-host` given a second SIGTERM while its close waits (an answer held by --delay): it aborts as the
// gateway does, `SIGTERM again: aborting` on stdout, its connections destroyed, exit code 1 at once. Before, the
// first signal's handler was gone by then: the second killed the process (143) without a line. The real binary, a
// real socket; the second signal is sent once the log says the close has begun (no sleep).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { BIN, seen } from './cli-process.js';

const codec = createCodec('iso87ascii');

test('simulate-host: a second SIGTERM during its close prints the abort line and exits 1 at once', async (t) => {
  const child = spawn(process.execPath, [BIN, 'simulate-host', '--port', '0', '--delay', '60000', '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const received = seen(child.stderr, /"direction":"in"/);
  const [, port] = await within(seen(child.stdout, /listening on \S+:(\d+)\n/), 20_000, 'the listening line');
  const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  const request = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000000100', '7': '1204101010', '11': '000001', '14': '3012', '41': 'T1', '49': '840' };
  socket.write(encodeFrame(codec.pack(request), { lengthHeader: 'binary2' }));
  // The simulator has the request: its answer is due in 60 s, and the close waits for it up to 10 s.
  await within(received, 20_000, 'the request to reach the simulator');
  const closing = seen(child.stderr, /inbound endpoint closing/);
  child.kill('SIGTERM');
  await within(closing, 20_000, 'the close to begin');
  const again = Date.now();
  child.kill('SIGTERM');
  const { code, signal } = await within(exited, 20_000, 'simulate-host to exit after its second SIGTERM');
  assert.equal(signal, null, 'ended by its own exit, not killed by the signal');
  assert.equal(code, 1);
  assert.match(stdout, /SIGTERM again: aborting\n$/);
  assert.ok(Date.now() - again < 8_000, `exited ${Date.now() - again} ms after the second SIGTERM, not by the close deadline`);
});

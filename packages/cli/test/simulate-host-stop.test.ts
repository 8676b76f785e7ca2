// `iso8583 simulate-host --delay` stopped by SIGTERM with an answer still waiting out its delay: the endpoint closes
// its connections by its close deadline, and the process exits then, not when the delay's timer fires, nor by the
// EXIT_GRACE timer (the delays' timers are cleared at the deadline: nothing holds the process). The deadline is
// --shutdown-deadline's, shortened here (its default, 10 s, is checked against the help).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import { EXIT_GRACE, SIGNAL_CLOSE_DEADLINE, SIMULATE_HOST_HELP } from '../src/commands/simulate-host.js';
import { BIN, seen } from './cli-process.js';

const codec = createCodec('iso87ascii');

/** The test's --shutdown-deadline (ms): the drain it waits for, short (the default is SIGNAL_CLOSE_DEADLINE, 10 s). */
const DRAIN = 1500;

test('simulate-host stopped by SIGTERM with an answer held by --delay 60000 exits 0 by its close deadline, not after the delay', async (t) => {
  const child = spawn(process.execPath, [BIN, 'simulate-host', '--port', '0', '--delay', '60000', '--shutdown-deadline', String(DRAIN), '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const stderr = seen(child.stderr, /"direction":"in"/);
  const [, port] = await seen(child.stdout, /listening on \S+:(\d+)\n/);
  const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  const request = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000000100', '7': '1204101010', '11': '000001', '14': '3012', '41': 'T1', '49': '840' };
  socket.write(encodeFrame(codec.pack(request), { lengthHeader: 'binary2' }));
  // The simulator has the request: its answer is due in 60 s.
  await stderr;
  const stopped = Date.now();
  child.kill('SIGTERM');
  // The endpoint's close deadline is DRAIN; the delay's timer would hold the process for the rest of the minute.
  const deadline = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new Error('simulate-host did not exit within 30 s of its SIGTERM')), 30_000).unref();
  });
  const { code, at } = await Promise.race([exited, deadline]);
  assert.equal(code, 0);
  assert.ok(at - stopped < DRAIN + EXIT_GRACE / 2, `exited ${at - stopped} ms after SIGTERM, not at the drain's end`);
  // The held connection is drained for the whole deadline before it is destroyed.
  assert.ok(at - stopped >= DRAIN - 50, `exited ${at - stopped} ms after SIGTERM, before the drain's end`);
});

test('simulate-host --help – the exit after a signal comes when the drain ends (the delays\' timers cleared), as said', () => {
  const text = SIMULATE_HOST_HELP.replace(/\s+/g, ' ');
  const drain = /drains up to (\d+) s/.exec(text);
  const exit = /the exit comes about (\d+) s after the signal/.exec(text);
  assert.ok(drain !== null && exit !== null, 'the help says both');
  assert.equal(Number(drain[1]) * 1000, SIGNAL_CLOSE_DEADLINE);
  assert.equal(exit[1], drain[1], 'the exit comes at the drain\'s end, not a grace later');
  // The drain is --shutdown-deadline's default: a test's shorter one changes no operator's stop.
  assert.equal(/--shutdown-deadline MS .*?Default: (\d+)/.exec(text)?.[1], String(SIGNAL_CLOSE_DEADLINE));
});

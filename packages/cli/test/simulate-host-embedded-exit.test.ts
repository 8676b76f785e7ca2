// simulateHostCommand used as a library (an embedder's `stop`): a SIGINT that comes during the close aborts it (the
// connections destroyed, resolves 1) but never ends the embedder's process. Before, it called process.exit(1) in the
// embedder's process. A real child process embedding the simulator on 127.0.0.1, a real client whose request is held
// by --delay so that the close is still under way when the signal comes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { createCodec, encodeFrame } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { seen } from './cli-process.js';

const SIMULATE = fileURLToPath(new URL('../src/commands/simulate-host.js', import.meta.url));

const CHILD = `
import { PassThrough } from 'node:stream';
import { simulateHostCommand } from ${JSON.stringify(SIMULATE)};
let stop;
const stopped = new Promise((r) => (stop = r));
process.stdin.once('data', () => {
  stop();
  process.kill(process.pid, 'SIGINT');
});
const io = { stdin: new PassThrough(), stdout: process.stdout, stderr: process.stderr };
const code = await simulateHostCommand(['--port', '0', '--delay', '60000', '--log-level', 'debug'], io, { stop: stopped });
process.stdout.write('resolved ' + code + '\\n');
// A forced exit would come first (setImmediate queued before the command resolved); this runs a loop turn later.
setImmediate(() => setImmediate(() => {
  process.stdout.write('embedder alive\\n');
  process.exit(0);
}));
`;

test('simulateHostCommand with an embedder stop: a signal during the close resolves 1 and never exits the embedder', async (t) => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const heard = seen(child.stderr, /"direction":"in"/);
  const [, port] = await within(seen(child.stdout, /listening on \S+:(\d+)\n/), 20_000, 'the simulator to listen');
  const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  const request = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000000100', '7': '1204101010', '11': '000001', '14': '3012', '41': 'T1', '49': '840' };
  socket.write(encodeFrame(createCodec('iso87ascii').pack(request), { lengthHeader: 'binary2' }));
  // The simulator holds the request (60 s): its close waits for it when the signal comes.
  await within(heard, 20_000, 'the simulator to receive the request');
  child.stdin.end('go\n');
  const code = await within(exited, 20_000, 'the embedder to end');
  assert.match(stdout, /SIGINT again: aborting\n/);
  assert.match(stdout, /resolved 1\n/);
  assert.match(stdout, /embedder alive\n/, 'the simulator did not end the embedder\'s process');
  assert.equal(code, 0, 'the embedder chose its own exit code');
});

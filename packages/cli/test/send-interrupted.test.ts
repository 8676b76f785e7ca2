// `iso8583 send` stopped (Ctrl-C, SIGTERM) while the host has its request and has not answered: the error line says
// the outcome of the 0200 at the host is unknown and that no reversal was sent, exit code 1, instead of a silent death.
// The real binary, and a host of this process that takes the request and never answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { BIN } from './cli-process.js';
import { ECHO, PURCHASE } from './messages.js';

/** Calls each waiter once a request's bytes arrived (a connection that sent data). */
const arrivals: (() => void)[] = [];
const silent = net.createServer((socket) => {
  socket.on('error', () => undefined);
  socket.once('data', () => arrivals.shift()?.());
});

before(() => new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)));
after(() => new Promise<void>((resolve) => silent.close(() => resolve())));

/** Runs `send` of `message` to the silent host, sends `signal` once the host has the request; the exit and stderr. */
async function interruptedSend(message: object, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const arrived = new Promise<void>((resolve) => arrivals.push(resolve));
  const port = String((silent.address() as net.AddressInfo).port);
  const child = spawn(process.execPath, [BIN, 'send', '--port', port, '--timeout', '60000'], { stdio: 'pipe' });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin.end(JSON.stringify(message));
  const first = await Promise.race([arrived.then(() => 'arrived'), ended.then(() => 'ended')]);
  assert.equal(first, 'arrived', `send ended before the host had the request: ${stderr}`);
  child.kill(signal);
  const code = await ended;
  return { code, stderr, stdout };
}

test('send of a 0200 interrupted by SIGINT while the host has it says its outcome is unknown and no reversal was sent', async () => {
  const r = await interruptedSend(PURCHASE, 'SIGINT');
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_ABORTED: interrupted by SIGINT while waiting for the response; the outcome of the 0200 at the host is unknown and no reversal was sent \(send does not reverse/);
  assert.ok(!r.stderr.includes('4111111111111111'));
  assert.equal(r.code, 1);
});

test('send of an 0800 interrupted by SIGTERM says its outcome is unknown (no reversal to speak of)', async () => {
  const r = await interruptedSend(ECHO, 'SIGTERM');
  assert.equal(r.stderr, 'iso8583: ISO8583_ERR_CONNECTOR_ABORTED: interrupted by SIGTERM while waiting for the response; the outcome at the host is unknown\n');
  assert.equal(r.code, 1);
});

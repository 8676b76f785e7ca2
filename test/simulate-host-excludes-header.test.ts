/**
 * `--length-excludes-header-bytes` on the real binary's `simulate-host` and `send`: the simulator acts as a bank
 * framed as SocketQueue's `headerFormat` (`length:n:4,tpdu:b-hex:5:6000010000`: 4 ASCII digits counting the message
 * only, then the 5 header bytes, in that order). A client writes SocketQueue's own echo (the sv_800_echo vector) so
 * framed and reads the answer framed the same way; `iso8583 send` with the same flags gets its answer. Without the
 * flag the simulator would wait for 5 more bytes (its length counting the header too).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { createCodec } from '@iso8583/codec';
import { eventWithin, readVector } from '@iso8583/test-support';
import { BIN, startSimulator, stopAll } from './helpers/cli.js';

after(stopAll);

const HEADER = '6000010000';
const FLAGS = ['--dialect', 'smartvista', '--frame', 'ascii4', '--header-hex', HEADER, '--length-excludes-header-bytes'];

/** Writes `frame` to `port` and resolves with the first whole answer frame read as SocketQueue's headerFormat reads it. */
function exchange(port: number, frame: Buffer): Promise<{ declared: number; header: string; message: Buffer }> {
  return eventWithin(15_000, 'no answer frame within 15 s', (resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(frame));
    let pending = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length < 9) return;
      const declared = Number(pending.subarray(0, 4).toString('latin1'));
      if (pending.length < 9 + declared) return;
      socket.destroy();
      resolve({ declared, header: pending.subarray(4, 9).toString('hex'), message: Buffer.from(pending.subarray(9, 9 + declared)) });
    });
  });
}

test('simulate-host --length-excludes-header-bytes – answers SocketQueue\'s framed echo (length, then header; the length counts the message only)', async () => {
  const sim = await startSimulator(FLAGS);
  const echo = readVector('socketqueue/sv_800_echo.bin');
  const framed = readVector('socketqueue/sv_800_echo_header.bin'); // "0060" + the 60 bytes: no header between
  assert.equal(framed.subarray(0, 4).toString('latin1'), String(echo.length).padStart(4, '0'));
  const frame = Buffer.concat([framed.subarray(0, 4), Buffer.from(HEADER, 'hex'), framed.subarray(4)]);
  const answer = await exchange(sim.port, frame);
  assert.equal(answer.header, '6000000001', 'the TPDU answered with its addresses swapped, as a host does (codec swapTpdu)');
  assert.equal(answer.declared, answer.message.length);
  const message = createCodec('smartvista').unpack(answer.message);
  assert.equal(message['0'], '0810');
  assert.equal(message['11'], '123456');
});

test('send --length-excludes-header-bytes – gets its answer from a simulator framed so', async () => {
  const sim = await startSimulator(FLAGS);
  const request = { 0: '0800', 3: '000000', 7: '0607161700', 11: '123457', 24: '000', 41: '00123456', 42: '123567890124567' };
  const run = spawnSync(process.execPath, [BIN, 'send', '--port', String(sim.port), '--timeout', '10000', ...FLAGS], { input: JSON.stringify(request), encoding: 'utf8', timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const answer = JSON.parse(run.stdout) as Record<string, unknown>;
  assert.equal(answer['0'], '0810');
  assert.equal(answer['11'], '123457');
});

/**
 * `--match-key FIELDS` (SocketQueue's `queueMessageKeyFields`), with the real binary and a bank that does not echo
 * field 41 in its answers: with `--match-key 11` (or SocketQueue's `--queueMessageKeyFields=11`) the answer is matched
 * by its MTI and field 11 and reaches the caller; without it the gateway's key (MTI, 11, 41) leaves it unmatched.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createCodec } from '@iso8583/codec';
import { httpCall } from '@iso8583/test-support';
import { startGateway, stopAll } from './helpers/cli.js';

const codec = createCodec('iso87ascii');

/** A bank (binary2 frames) that answers each request without field 41; `answered` counts the answers it wrote. */
interface Bank { port: number; answered: number; server: Server }

function startBank(): Promise<Bank> {
  const sockets = new Set<Socket>();
  const bank: Bank = { port: 0, answered: 0, server: createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const frame = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + frame.length);
        const request = codec.unpack(frame);
        const answer: Record<string, string> = { ...request, 0: '0810', 39: '00' };
        delete answer['41'];
        const body = Buffer.from(codec.pack(answer));
        const length = Buffer.alloc(2);
        length.writeUInt16BE(body.length);
        socket.write(Buffer.concat([length, body]));
        bank.answered++;
      }
    });
  }) };
  bank.server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) => bank.server.listen(0, '127.0.0.1', () => {
    const address = bank.server.address();
    bank.port = typeof address === 'object' && address !== null ? address.port : 0;
    resolve(bank);
  }));
}

let bank: Bank;
before(async () => {
  bank = await startBank();
});
after(async () => {
  await stopAll();
  bank.server.close();
});

const ECHO = JSON.stringify({ 0: '0800', 11: '000001', 41: 'TERM0001', 70: '301' });
const common = ['--no-reversal', '--no-transaction-log', '--echo-interval', '0', '--request-timeout', '2000'];

describe('gateway --match-key', () => {
  test('--match-key 11: a bank that does not echo field 41 is answered', async () => {
    const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--match-key', '11', ...common]);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, ECHO);
    assert.equal(answer.status, 200, answer.body);
    assert.equal((JSON.parse(answer.body) as { result: Record<string, string> }).result['39'], '00');
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });

  test('SocketQueue\'s --queueMessageKeyFields=11 is the same', async () => {
    const gw = await startGateway([`--upstreamHost=127.0.0.1`, `--upstreamPort=${bank.port}`, '--queueMessageKeyFields=11', '--dialect', 'iso87ascii', '--frame', 'binary2', ...common]);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, ECHO);
    assert.equal(answer.status, 200, answer.body);
    assert.equal((JSON.parse(answer.body) as { result: Record<string, unknown> }).result['39'], '00');
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });

  test('the default key (MTI, 11, 41) leaves such an answer unmatched', async () => {
    const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, ...common]);
    const before = bank.answered;
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, ECHO);
    assert.equal(bank.answered, before + 1, 'the bank answered');
    assert.notEqual((JSON.parse(answer.body) as { result?: Record<string, string> }).result?.['39'], '00', answer.body);
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });
});

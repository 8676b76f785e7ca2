/**
 * SocketQueue's `headerFormat` (`length:n:4,tpdu:b-hex:5:6000010000`) reproduced by the real binary with SocketQueue's
 * names and `--header-hex`: the 4 ASCII digits count the message only (its default, `lengthIncludeHeader` off), the
 * fixed header follows them, and the answer is read the same way; its POS clients send bare messages (the header is
 * for the bank only), so a bare message on the POS port is relayed, not read as 5 header bytes and a message.
 * Without SocketQueue's names, `--length-excludes-header-bytes` does the same; by default the length counts the
 * fixed header bytes too, as before.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createCodec } from '@iso8583/codec';
import { httpCall, readVector } from '@iso8583/test-support';
import { startGateway, stopAll } from './helpers/cli.js';

const HEADER = '6000010000';
const codec = createCodec('smartvista');

/** One frame as the bank read it: the declared length, the fixed header, the message bytes. */
interface Seen { declared: number; header: string; message: Buffer }

/**
 * A SmartVista bank that frames as SocketQueue's `length:n:4,tpdu:b-hex:5` does (4 ASCII digits counting the message
 * only, then 5 header bytes), or with `counted` more bytes counted (5: the header; 9: the 4 length digits and the
 * header, SocketQueue's `lengthIncludeHeader`). It answers each request with its 0810 framed the same way.
 */
interface Bank { port: number; seen: Seen[]; server: Server }

function startBank(counted: number): Promise<Bank> {
  const seen: Seen[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        if (pending.length < 9) return;
        const declared = Number(pending.subarray(0, 4).toString('latin1'));
        const messageLength = declared - counted;
        if (pending.length < 9 + messageLength) return;
        const header = pending.subarray(4, 9);
        const message = Buffer.from(pending.subarray(9, 9 + messageLength));
        pending = pending.subarray(9 + messageLength);
        seen.push({ declared, header: header.toString('hex'), message });
        const request = codec.unpack(message);
        const body = Buffer.from(codec.pack({ ...request, 0: '0810', 39: '000' }));
        const length = String(body.length + counted).padStart(4, '0');
        socket.write(Buffer.concat([Buffer.from(length, 'latin1'), header, body]));
      }
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ port: typeof address === 'object' && address !== null ? address.port : 0, seen, server });
  }));
}

/** Writes `message` bare on the POS port and resolves with every byte the gateway writes before it closes. */
function posBare(port: number, message: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(message));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** SocketQueue's README JSON echo. */
const README_ECHO = JSON.stringify({ 0: '800', 3: '0', 7: '0607161700', 11: '123456', 24: '0', 41: '00123456', 42: '123567890124567' });

let sqBank: Bank;
let countingBank: Bank;
let lengthIncludeHeaderBank: Bank;
before(async () => {
  sqBank = await startBank(0);
  countingBank = await startBank(5);
  lengthIncludeHeaderBank = await startBank(9);
});
after(async () => {
  await stopAll();
  sqBank.server.close();
  countingBank.server.close();
  lengthIncludeHeaderBank.server.close();
});

const common = ['--header-hex', HEADER, '--no-reversal', '--no-transaction-log', '--request-timeout', '5000'];

describe('SocketQueue headerFormat length:n:4,tpdu:b-hex:5', () => {
  test('with SocketQueue\'s names: the length counts the message only, and a bare POS message is relayed', async () => {
    const gw = await startGateway([`--upstreamHost=127.0.0.1`, `--upstreamPort=${sqBank.port}`, ...common]);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, README_ECHO);
    assert.equal(answer.status, 200, answer.body);
    const first = sqBank.seen.at(-1)!;
    assert.equal(first.declared, 60, 'SocketQueue sends "0060" before the 60-byte echo');
    assert.equal(first.message.length, 60);
    assert.equal(first.header, HEADER);

    // SocketQueue's sample echo, bare, as its POS clients send it: relayed to the bank, answered bare.
    const vector = readVector('socketqueue/sv_800_echo.bin');
    const before = sqBank.seen.length;
    const reply = await posBare(gw.pos.port, vector);
    assert.deepEqual(sqBank.seen.slice(before).map((s) => [s.declared, s.header, s.message.toString('hex')]), [[60, HEADER, vector.toString('hex')]]);
    assert.ok(reply.length > 0, 'the terminal got its answer');
    const got = codec.unpack(reply);
    assert.equal(got[0], '0810');
    assert.equal(got[11], '123456');
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });

  test('without SocketQueue\'s names: --length-excludes-header-bytes, and the default still counts the header', async () => {
    const excluded = await startGateway(['--upstream', `127.0.0.1:${sqBank.port}`, '--dialect', 'smartvista', '--frame', 'ascii4', '--length-excludes-header-bytes', ...common]);
    const answer = await httpCall(excluded.http.port, 'POST', '/', { 'content-type': 'application/json' }, README_ECHO);
    assert.equal(answer.status, 200, answer.body);
    assert.equal(sqBank.seen.at(-1)!.declared, 60);
    excluded.process.kill('SIGTERM');
    await excluded.process.exited;

    const counted = await startGateway(['--upstream', `127.0.0.1:${countingBank.port}`, '--dialect', 'smartvista', '--frame', 'ascii4', ...common]);
    const again = await httpCall(counted.http.port, 'POST', '/', { 'content-type': 'application/json' }, README_ECHO);
    assert.equal(again.status, 200, again.body);
    assert.equal(countingBank.seen.at(-1)!.declared, 65, 'by default the length counts the 5 header bytes and the message');
    counted.process.kill('SIGTERM');
    await counted.process.exited;
  });

  test('with SocketQueue\'s names and --length-includes-header: the length counts itself, the header and the message (its lengthIncludeHeader)', async () => {
    const gw = await startGateway([`--upstreamHost=127.0.0.1`, `--upstreamPort=${lengthIncludeHeaderBank.port}`, '--length-includes-header', ...common]);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, README_ECHO);
    assert.equal(answer.status, 200, answer.body);
    const seen = lengthIncludeHeaderBank.seen.at(-1)!;
    assert.equal(seen.declared, 69, 'SocketQueue sends "0069": 4 length digits, 5 header bytes, the 60-byte echo');
    assert.equal(seen.message.length, 60);
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });
});

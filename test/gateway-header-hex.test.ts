/**
 * `--header-hex HEX` (config key `headerHex`), with the real binary and a bank that captures each frame: the fixed
 * header the gateway sends upstream is the one given (SocketQueue's users are pointed to it), not `--header-bytes`
 * zero bytes; a header that is not hex in pairs, or whose length disagrees with `--header-bytes`, is refused with a
 * coded error naming the flag or the config file key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec } from '@iso8583/codec';
import { httpCall } from '@iso8583/test-support';
import { runToEnd, startGateway, stopAll } from './helpers/cli.js';
import { runMainBatch } from './helpers/main-batch.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-header-hex-'));
const HEADER = '6000010000';
const codec = createCodec('iso87ascii');

/** A bank (binary2 frames, 5 header bytes) that records each frame's header and answers an echo test with it. */
interface CaptureBank { port: number; headers: string[]; server: Server }

function startCaptureBank(): Promise<CaptureBank> {
  const headers: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const frame = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + frame.length);
        const header = frame.subarray(0, 5);
        headers.push(header.toString('hex'));
        const request = codec.unpack(frame.subarray(5));
        const body = Buffer.from(codec.pack({ ...request, 0: '0810', 39: '00' }));
        const out = Buffer.alloc(2);
        out.writeUInt16BE(header.length + body.length);
        socket.write(Buffer.concat([out, header, body]));
      }
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ port: typeof address === 'object' && address !== null ? address.port : 0, headers, server });
  }));
}

let bank: CaptureBank;
before(async () => {
  bank = await startCaptureBank();
});
after(async () => {
  await stopAll();
  bank.server.close();
  rmSync(work, { recursive: true, force: true });
});

/** Sends an echo test on the POS port (binary2 frame, five zero header bytes) and resolves with the answer's frame. */
function posEcho(port: number, stan: string): Promise<Buffer> {
  const body = Buffer.from(codec.pack({ 0: '0800', 11: stan, 70: '301' }));
  const length = Buffer.alloc(2);
  length.writeUInt16BE(5 + body.length);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat([length, Buffer.alloc(5), body])));
    let got = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
        socket.end();
        resolve(got.subarray(2, 2 + got.readUInt16BE(0)));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('the POS connection closed without an answer')));
  });
}

const echo = (stan: string): string => JSON.stringify({ 0: '0800', 11: stan, 70: '301' });

/**
 * The `--check-config` lines after the first refusal (which the real binary runs), in one process (`main` for each:
 * helpers/main-batch.ts; each start of the binary costs a core over half a second), run once, when a test first asks.
 */
let checked: ReturnType<typeof runMainBatch> | undefined;
function checks(): ReturnType<typeof runMainBatch> {
  const file = join(work, 'bad.json');
  writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:9', headerHex: HEADER, headerBytes: 2 }));
  return (checked ??= runMainBatch([
    ['gateway', '--upstream', '127.0.0.1:9', '--header-hex', HEADER, '--header-bytes', '4', '--check-config'],
    ['gateway', '--config', file, '--check-config'],
    ['gateway', '--upstreamHost=127.0.0.1', '--upstreamPort=8583', '--headerFormat=x', '--check-config'],
    ['gateway', '--upstream', '127.0.0.1:9', '--header-hex', HEADER, '--check-config'],
  ]));
}

describe('gateway --header-hex', () => {
  test('the bank receives the given header (flag), and --header-bytes is set from it', async () => {
    const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--header-hex', HEADER, '--no-reversal', '--no-transaction-log', '--echo-interval', '0']);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, echo('000001'));
    assert.equal(answer.status, 200, answer.body);
    assert.equal((JSON.parse(answer.body) as { result: Record<string, string> }).result['39'], '00');
    assert.equal(bank.headers.at(-1), HEADER);
    // A POS client (its own 5 header bytes, as --header-bytes set from --header-hex says): the bank gets the given header.
    const before = bank.headers.length;
    const reply = await posEcho(gw.pos.port, '000003');
    assert.equal(codec.unpack(reply.subarray(5))['39'], '00');
    assert.deepEqual(bank.headers.slice(before), [HEADER], 'the POS echo reached the bank once, with the given header');
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });

  test('config file key headerHex, with a headerBytes that agrees', async () => {
    const file = join(work, 'gw.json');
    writeFileSync(file, JSON.stringify({ upstream: `127.0.0.1:${bank.port}`, headerHex: 'A0B1C2D3E4', headerBytes: 5, noReversal: true, noTransactionLog: true, echoInterval: 0 }));
    const gw = await startGateway(['--config', file]);
    const answer = await httpCall(gw.http.port, 'POST', '/', { 'content-type': 'application/json' }, echo('000002'));
    assert.equal(answer.status, 200, answer.body);
    assert.equal(bank.headers.at(-1), 'a0b1c2d3e4');
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });

  test('hex that is not in pairs is refused naming --header-hex', async () => {
    const run = await runToEnd(['gateway', '--upstream', '127.0.0.1:9', '--header-hex', '60000', '--check-config']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /ISO8583_ERR_CLI_OPTION: --header-hex must be hex digits in pairs/);
  });

  test('a length that disagrees with --header-bytes is refused naming both', async () => {
    const [run, fromFile] = await checks();
    assert.equal(run?.code, 1, run?.stderr);
    assert.match(run?.stderr ?? '', /ISO8583_ERR_CLI_OPTION: --header-hex is 5 bytes, --header-bytes says 4/);
    assert.notEqual(fromFile?.code, 0);
    assert.match(fromFile?.stderr ?? '', /headerHex is 5 bytes, headerBytes says 2/);
  });

  test('SocketQueue\'s --headerFormat points to a flag the gateway has', async () => {
    const [, , run, pointed] = await checks();
    assert.match(run?.stderr ?? '', /--header-hex HEX/);
    assert.equal(pointed?.code, 0, pointed?.stderr);
  });
});

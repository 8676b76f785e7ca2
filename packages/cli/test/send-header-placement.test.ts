// `iso8583 send` puts the header a message carries where `encode` puts it (decode's rule, reversed): the dialect's
// header when the dialect has one, else the fixed frame header; what it cannot place (a header --header-hex would
// replace, a dialect header besides a fixed frame header) is refused naming `header` before any connection. A real
// capture host on 127.0.0.1 records each frame (binary2) and closes; the bytes are compared with `encode`'s.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

const dir = mkdtempSync(join(tmpdir(), 'iso8583-send-header-'));
/** A dialect with a 5-byte message header of its own. */
const HDR5 = join(dir, 'hdr5.json');
writeFileSync(HDR5, JSON.stringify({ name: 'hdr5', extends: 'iso87ascii', headerLength: 5, fields: {} }));

/** The frames the capture host got, in order of arrival (each whole: length header and all). */
const frames: Buffer[] = [];
let connections = 0;
const host = net.createServer((socket) => {
  connections += 1;
  socket.on('error', () => undefined);
  let held = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    held = Buffer.concat([held, chunk]);
    if (held.length >= 2 && held.length >= 2 + held.readUInt16BE(0)) {
      frames.push(held.subarray(0, 2 + held.readUInt16BE(0)));
      socket.destroy();
    }
  });
});
let port = 0;

before(async () => {
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  port = (host.address() as net.AddressInfo).port;
});

after(async () => {
  await new Promise((resolve) => host.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const ECHO = { '0': '0800', '11': '000001', '70': '301' };

/** What `encode --frame binary2 ...flags` prints for `message`, as bytes. */
async function encoded(message: object, flags: string[]): Promise<Buffer> {
  const r = await runCli(['encode', '--frame', 'binary2', ...flags], JSON.stringify(message));
  assert.equal(r.code, 0, r.stderr);
  return Buffer.from(r.stdout.trim(), 'hex');
}

/** Sends `message` with `flags` and resolves with the frame the host got (the send ends with its connection lost). */
async function sent(message: object, flags: string[]): Promise<Buffer> {
  const before = frames.length;
  const r = await runCli(['send', '--port', String(port), '--timeout', '5000', ...flags], JSON.stringify(message));
  assert.equal(r.code, 1);
  assert.equal(frames.length, before + 1, r.stderr);
  return frames[before] as Buffer;
}

test('a header with no dialect header and no framing flag goes as the fixed frame header, as encode prints it', async () => {
  const message = { ...ECHO, header: '6000020000' };
  const wire = await sent(message, []);
  assert.equal(wire.toString('hex'), (await encoded(message, [])).toString('hex'));
  assert.equal(wire.subarray(2, 7).toString('hex'), '6000020000');
});

test('a dialect header goes as the dialect header, and with --header-hex the frame header is --header-hex', async () => {
  const alone = { ...ECHO, header: '49534F3031' };
  assert.equal((await sent(alone, ['-d', HDR5])).toString('hex'), (await encoded(alone, ['-d', HDR5])).toString('hex'));
  const zeros = { ...ECHO, header: '0000000000' };
  const flags = ['-d', HDR5, '--header-hex', '6000010000'];
  const wire = await sent(zeros, flags);
  assert.equal(wire.toString('hex'), (await encoded(zeros, flags)).toString('hex'));
  assert.equal(wire.subarray(2, 12).toString('hex'), '60000100000000000000');
});

test('a header send cannot place is refused naming header, before any connection', async () => {
  const cases: [object, string[], RegExp][] = [
    [{ ...ECHO, header: '49534F3031' }, ['-d', HDR5, '--header-hex', '6000010000'], /dialect's header, and send cannot place it besides a fixed frame header/],
    [{ ...ECHO, header: '6000020000' }, ['--header-hex', '6000010000'], /--header-hex gives another: one of them would be dropped/],
    [{ ...ECHO, header: '00'.repeat(65) }, [], /a frame header has at most 64 bytes/],
    [{ ...ECHO, header: '4953' }, ['-d', HDR5], /dialect's header, which has 5 bytes; it has 2/],
  ];
  const before = connections;
  for (const [message, flags, reason] of cases) {
    const r = await runCli(['send', '--port', String(port), '--timeout', '5000', ...flags], JSON.stringify(message));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_INPUT: /);
    assert.match(r.stderr, reason);
  }
  assert.equal(connections, before);
});

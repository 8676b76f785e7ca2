/**
 * An aborted stop of the real `iso8583 gateway` (a second SIGTERM) while approvals wait to be written to a POS client
 * slow to read (its socket full: the answers the gateway made sit in its own write buffer). The abort cuts the POS
 * connection: an approval the client never got is reversed (its reversal stored before the link is destroyed), so that
 * every approval the bank gave is either received by the terminal or reversed, none lost in a buffer the exit drops.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec, encodeFrame } from '@iso8583/codec';
import { eventWithin, waitUntil } from '@iso8583/test-support';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-abort-pos-'));
const codec = createCodec('iso87ascii');
let bank: ScriptedBank | undefined;

after(async () => {
  await stopAll();
  await bank?.close();
  rmSync(work, { recursive: true, force: true });
});

/** How many 2-byte length frames `bytes` holds whole. */
function frames(bytes: Buffer): number {
  let n = 0;
  for (let at = 0; at + 2 <= bytes.length; n += 1) {
    const next = at + 2 + bytes.readUInt16BE(at);
    if (next > bytes.length) break;
    at = next;
  }
  return n;
}

test('an abort with approvals waiting to be written to a POS client slow to read: each one it never got is reversed', async () => {
  // Big approvals (two 999-character private fields): a few hundred fill the client's socket and the gateway's.
  const filler = 'X'.repeat(999);
  const host = (bank = await startBank((request) => (request['0'] === '0200' ? { ...approve(request), 48: filler, 62: filler } : approve(request))));
  const flags = ['--upstream', `127.0.0.1:${host.port}`, '--reversal-journal', join(work, 'journal'), '--log-level', 'debug', '--shutdown-deadline', '60000'];
  const gateway = await startGateway(flags);
  const metrics = async (): Promise<string> => (await fetch(`http://${gateway.http.host}:${gateway.http.port}/metrics`)).text();
  const replies = async (): Promise<number> => (await metrics()).split('\n')
    .filter((l) => l.startsWith('iso8583_inbound_replies_total{') && l.includes('mti="0210"') && l.includes('response_code="00"'))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

  const socket = connect({ host: gateway.pos.host, port: gateway.pos.port });
  await eventWithin<void>(10_000, 'the POS connection', (resolve) => void socket.once('connect', () => resolve()));
  // The terminal reads nothing until the abort: the approvals fill its socket, then the gateway's, then its buffer.
  socket.pause();
  const received: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  const purchases = (): number => host.received.filter((m) => m['0'] === '0200').length;
  const paused = (): boolean => gateway.process.stderr().includes('the client is not reading its replies: reading paused');
  // A batch of 64 at a time (what the gateway handles at once per connection), each read whole by the gateway before
  // the next, until it stops reading (the frames of the last batch it did not hand on are never sent).
  let sent = 0;
  while (!paused()) {
    assert.ok(sent < 20_000, 'the gateway never paused reading the terminal that does not read its replies');
    for (let i = 0; i < 64; i++) socket.write(encodeFrame(codec.pack(purchase('ABRTPOS1', (sent += 1), 100)), { lengthHeader: 'binary2' }));
    await waitUntil(() => purchases() === sent || paused(), { what: `the bank to have ${sent} purchases, or the gateway to pause reading`, timeoutMs: 30_000 });
  }
  // Every purchase the bank approved has its answer handed to the terminal's connection (written, or in its buffer).
  await waitUntil(async () => (await replies()) === purchases(), { what: 'the gateway to have written every approval', timeoutMs: 30_000 });
  const count = purchases();
  // The terminal goes on sending while it reads nothing: these wait unread in the gateway's socket, never handed on.
  // A socket closed with bytes unread is reset, and the reset throws away the approvals its kernel had taken (1,976 of
  // 2,048 neither received nor reversed): the abort reads them out and throws them away before it closes.
  const more = 2_000;
  const burst = Buffer.concat(Array.from({ length: more }, (_, i) => encodeFrame(codec.pack(purchase('ABRTPOS1', sent + 1 + i, 100)), { lengthHeader: 'binary2' })));
  await new Promise<void>((resolve, reject) => socket.write(burst, (err) => (err ? reject(err) : resolve())));

  gateway.process.kill('SIGTERM');
  await gateway.process.waitForLine(/SIGTERM: stopping/);
  gateway.process.kill('SIGTERM');
  assert.equal((await exitWithin(gateway.process, 10_000, 'the gateway after a second SIGTERM')).code, 1);
  // What reached the terminal: all it can read now that the gateway is gone.
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.resume();
  await eventWithin<void>(10_000, 'the POS connection to close', (resolve) => void closed.then(resolve));
  const got = frames(Buffer.concat(received));

  const log = gateway.process.stderr();
  const lines = log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const reversed = lines.filter((l) => l.msg === 'an approval could not be delivered (the client has gone): reversed').length;
  assert.equal(lines.filter((l) => typeof l.msg === 'string' && l.msg.includes('NOT reversed')).length, 0, 'no approval left unreversed');
  assert.ok(got < count, `the terminal got ${got} of ${count}: some approvals must have waited in the gateway's buffer`);
  assert.equal(got + reversed, count, `every approval received (${got}) or reversed (${reversed})`);
  assert.equal(purchases(), count, 'the purchases sent while the gateway did not read were never handed on');
  const aborted = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('gateway aborted')) as Record<string, unknown>;
  assert.deepEqual(aborted.safLeft, { reversals: reversed, advices: 0 });
  assert.doesNotMatch(log, /4111111111111111/);
});

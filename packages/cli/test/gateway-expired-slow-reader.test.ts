// A gateway stop that passes its deadline with a terminal slow to read: the approvals made for it and waiting to be
// written are dropped as its connection is cut, each reported as an approval the client never got, and each must be
// reversed (stored in the SAF journal) before the links are destroyed. The expired stop destroyed the links in the
// same turn as its deadline line, and the POS endpoint's own close deadline (the stop's deadline plus its grace, its
// timer made after the expiry's) cut the terminal after that: each approval was "NOT reversed" and the stop failed.
// Real parts: the gateway in this process, a bank on 127.0.0.1 that approves at once, a raw terminal socket that
// never reads, the real journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { MessageStream, createCodec, encodeFrame, responseMti } from '@iso8583/codec';
import { capturedLogger, tempFolder, within } from '@iso8583/test-support';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { startGateway } from '../src/gateway/gateway.js';

const codec = createCodec('iso87ascii');

test('gateway stop past its deadline – the approvals waiting for a terminal slow to read are reversed (stored) before the links go, never "NOT reversed"', async (t) => {
  const dir = tempFolder(t, 'iso8583-gw-expired-slow-reader-');
  // The bank: approves every request at once, with a long field 48 (the replies fill the terminal's socket sooner).
  const sockets = new Set<Socket>();
  const bank = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const stream: MessageStream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (f) => {
        const m = stream.decode(f).message;
        stream.send({ ...m, 0: responseMti(String(m['0'])) ?? '0000', 38: 'A00001', 39: '00', 48: 'X'.repeat(900) });
      },
    });
  });
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => bank.close(() => resolve()));
  });
  let paused: () => void = () => undefined;
  const readingPaused = new Promise<void>((resolve) => (paused = resolve));
  // The first approval whose reversal ended one way or the other (stored, sent, or "NOT reversed").
  let ended: () => void = () => undefined;
  const firstOutcome = new Promise<void>((resolve) => (ended = resolve));
  const { logger, text } = capturedLogger('debug', (line) => {
    const msg = String(line.msg);
    if (msg.includes('the client is not reading its replies')) paused();
    if (/^an approval could not be delivered .*(: reversed|reversed without SAF|NOT reversed)$/.test(msg)) ended();
  });
  const journalDir = join(dir, 'journal');
  const { config } = parseGatewayArgs([
    '--upstream', `127.0.0.1:${(bank.address() as AddressInfo).port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0',
    '--no-transaction-log', '--reversal-journal', journalDir,
  ]);
  const gateway = await startGateway(config, { logger });
  let stopping = false;
  t.after(async () => {
    if (!stopping) await gateway.abort();
  });
  // The terminal: sends purchases and never reads, until the gateway's replies back up (its reading paused).
  const terminal = connect(gateway.addresses.pos.port, '127.0.0.1');
  t.after(() => void terminal.destroy());
  terminal.on('error', () => undefined);
  await within(once(terminal, 'connect'), 10_000, 'the terminal did not connect');
  terminal.pause();
  let stan = 0;
  let full = false;
  void readingPaused.then(() => (full = true));
  while (!full && stan < 20_000) {
    const batch: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      stan++;
      batch.push(encodeFrame(codec.pack({ 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: String(stan).padStart(6, '0'), 41: 'TERM0001', 49: '840' })));
    }
    terminal.write(Buffer.concat(batch));
    await Promise.race([readingPaused, new Promise<void>((resolve) => setImmediate(resolve))]);
  }
  await within(readingPaused, 30_000, 'the gateway never found its terminal slow to read');
  stopping = true;
  // A short deadline: the terminal never reads, so the stop ends at its deadline (and its grace), never in order.
  const stopped = await within(gateway.close(300).then(() => undefined, (err: unknown) => err), 10_000, 'the stop did not end');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  logger.flush();
  const logged = text();
  assert.doesNotMatch(logged, /NOT reversed/);
  assert.equal((stopped as { code?: unknown } | undefined)?.code, undefined, `the stop failed: ${String(stopped)}`);
  assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
  const stored = readdirSync(journalDir).map((f) => readFileSync(join(journalDir, f), 'latin1')).join('');
  assert.match(stored, /0400/, 'the reversals are in the journal');
  assert.doesNotMatch(logged, /4111111111111111/);
});

// A second stop signal (`RunningFlow.abort()`) while the flow's graceful stop is under way, its endpoint's close waiting
// on a terminal slow to read: the abort's cut joins that close (drain.ts `cutThenDestroy`, the gateway's path too), and
// the approvals made for the terminal and waiting to be written are reported as the connection closes, each to be
// reversed (stored in the SAF journal) before the connectors are destroyed. The cut waited for that close at most half
// the end line's wait (250 ms) and two turns: on a machine where reading out the terminal's backlog took longer, each
// approval reported after that was logged "NOT reversed".
// Here the abort comes once the endpoint's close has begun (its line), and the endpoint's destroy (the cut) starts
// 300 ms late, as a slow read-out had it: a timer made after the cut's old 250 ms one, so after it for certain (the
// timers order it, not a sleep), and well inside the end line's own bound (ABORT_LINE_WAIT), the last resort.
// Real parts: the flow in this process, a bank on 127.0.0.1 that approves at once, a raw terminal socket that never
// reads, the real journal folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { MessageStream, createCodec, encodeFrame, responseMti } from '@iso8583/codec';
import { capturedLogger, tempFolder, within } from '@iso8583/test-support';
import { ABORT_LINE_WAIT, CLIENTS_CLOSE_WAIT } from '../src/drain.js';
import { loadFlow, startFlow } from '../src/index.js';

const codec = createCodec('iso87ascii');

/** How late (ms) the endpoint's destroy starts after the cut: past the cut's old bound (250 ms), inside its last resort. */
const CUT_LATE = CLIENTS_CLOSE_WAIT + 10;

test('run abort during a graceful stop – the approvals waiting for a terminal slow to read are reversed (stored), never "NOT reversed"', async (t) => {
  assert.ok(CUT_LATE < ABORT_LINE_WAIT, 'the late cut comes within the last-resort bound');
  const dir = tempFolder(t, 'iso8583-flow-abort-closing-slow-reader-');
  // The bank: approves every request at once, with a long field 48 so that the replies fill the terminal's socket sooner.
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
  let closingBegun: () => void = () => undefined;
  const endpointClosing = new Promise<void>((resolve) => (closingBegun = resolve));
  let ended: () => void = () => undefined;
  const firstOutcome = new Promise<void>((resolve) => (ended = resolve));
  const { logger, text } = capturedLogger('debug', (line) => {
    const msg = String(line.msg);
    if (msg.includes('the client is not reading its replies')) paused();
    if (msg === 'inbound endpoint closing') closingBegun();
    if (/^an approval could not be delivered .*(: reversed|reversed without SAF|NOT reversed)$/.test(msg)) ended();
  });
  const journalDir = join(dir, 'journal');
  writeFileSync(join(dir, 'fwd.mjs'), 'export default async (m, c) => c.connectors.bank.request(m.fields);\n');
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'slow',
    connectors: { bank: { host: '127.0.0.1', port: (bank.address() as AddressInfo).port, reversal: { enabled: true, journalDir } } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'fwd.mjs') } },
    shutdownDeadline: 10_000,
  }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), logger);
  let stopping = false;
  t.after(async () => {
    if (!stopping) await running.abort();
  });
  // The terminal: sends purchases, never reading, until the endpoint finds it slow to read.
  const terminal = connect(running.inbound.pos?.port as number, '127.0.0.1');
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
  await within(readingPaused, 30_000, 'the endpoint never found its terminal slow to read');
  stopping = true;
  // A long deadline: the terminal never reads, so the endpoint's graceful close is still under way at the abort.
  const stopped = running.close(10_000).then(() => undefined, (err: unknown) => err);
  await within(endpointClosing, 10_000, 'the endpoint never began its close');
  const endpoint = running.endpoints.pos as unknown as { destroy: (reason?: Error) => Promise<void> };
  const destroy = endpoint.destroy.bind(endpoint);
  let cut: Promise<void> | undefined;
  endpoint.destroy = (reason) => (cut ??= new Promise<void>((resolve) => setTimeout(resolve, CUT_LATE)).then(() => destroy(reason)));
  await within(running.abort(), 10_000, 'the abort did not end');
  await within(stopped, 30_000, 'the stop did not end after the abort');
  // The cut and its reports, however late they came (after the connectors were destroyed: each then "NOT reversed").
  await within(cut ?? Promise.reject(new Error('the endpoint was not cut')), 10_000, 'the endpoint was never cut');
  await within(firstOutcome, 10_000, 'no approval was reported undelivered');
  logger.flush();
  const log = text();
  assert.doesNotMatch(log, /NOT reversed/);
  assert.match(log, /an approval could not be delivered \(the client has gone\): reversed/);
  const stored = readdirSync(journalDir).map((f) => readFileSync(join(journalDir, f), 'latin1')).join('');
  assert.match(stored, /0400/, 'the reversals are in the journal');
  assert.doesNotMatch(log, /4111111111111111/);
});

// `iso8583 run`: traces masked by each link's own dialect, the stop that leaves SAF entries says so, and a sequence
// module that never finishes loading is an error naming its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { createCodec, resolveDialect } from '@iso8583/codec';
import type { Codec, MessageInput } from '@iso8583/codec';
import { tempFolder } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../src/index.js';
import { runCli } from './cli-process.js';

type After = { after(fn: () => unknown): void };

/** A folder removed after the test's other hooks (the flow writing into it is closed first). */
function folder(t: After): string {
  return tempFolder(t, 'iso8583-flow-run-');
}

/** Every line a pino logger writes, as text. */
function capture(): { logger: pino.Logger; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { logger: pino({ level: 'info' }, stream), text: () => chunks.join('') };
}

/** Frames of a binary2 stream (2-byte length, then the message), each handed to `onFrame` whole. */
function frames(socket: Socket, onFrame: (body: Buffer) => void): void {
  let acc = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    acc = Buffer.concat([acc, d]);
    while (acc.length >= 2 && acc.length >= 2 + acc.readUInt16BE(0)) {
      const n = acc.readUInt16BE(0);
      onFrame(acc.subarray(2, 2 + n));
      acc = acc.subarray(2 + n);
    }
  });
}

function frame(body: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

/** A bank on 127.0.0.1 port 0: `answer` gives the reply to each request (none when undefined). */
async function bank(t: After, codec: Codec, answer: (m: MessageInput) => MessageInput | undefined): Promise<number> {
  const server: Server = createServer((s) => {
    s.on('error', () => undefined);
    frames(s, (b) => {
      const reply = answer(codec.unpack(b) as MessageInput);
      if (reply !== undefined) s.write(frame(codec.pack(reply)));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as AddressInfo).port;
}

/** Sends one message to a terminal-side port and resolves with the reply (or `undefined` when the connection closes). */
function terminal(port: number, codec: Codec, message: MessageInput): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => resolve(undefined));
    s.on('close', () => resolve(undefined));
    frames(s, (b) => {
      resolve(codec.unpack(b) as Record<string, unknown>);
      s.end();
    });
    s.write(frame(codec.pack(message)));
  });
}

const PLAIN = { '0': '0200', '2': '4761739001010010', '3': '000000', '4': '1000', '11': '000001', '41': 'TERM0001', '49': '840' };
const PURCHASE = { ...PLAIN, '48': 'CVV2=987' };

test('run --log-messages masks each message by its own link dialect: field 48 marked cvv in a JSON dialect is hidden on the endpoint and the connector', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'cvv.json'), JSON.stringify({ name: 'cvv48', extends: 'iso87ascii', fields: { '48': { sensitive: 'cvv' } } }));
  writeFileSync(join(dir, 'fwd.mjs'), 'export default async (m, c) => c.connectors.bank.request(m.fields);\n');
  const codec = createCodec(resolveDialect(join(dir, 'cvv.json')));
  const port = await bank(t, codec, (m) => ({ ...m, '0': '0210', '39': '00' }));
  writeFileSync(
    join(dir, 'flow.json'),
    JSON.stringify({
      connectors: { bank: { host: '127.0.0.1', port, dialect: './cvv.json' } },
      inboundEndpoints: { pos: { port: 0, dialect: './cvv.json', sequence: './fwd.mjs' } },
    }),
  );
  const log = capture();
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), log.logger, { logMessages: true });
  t.after(() => running.close(0));
  const reply = await terminal((running.inbound.pos as AddressInfo).port, codec, PURCHASE);
  assert.equal(reply?.['39'], '00');
  await running.close();
  const text = log.text();
  for (const side of ['pos', 'bank']) assert.match(text, new RegExp(`"side":"${side}"[^\\n]*48 +ADDITIONAL DATA - PRIVATE: \\*+`), `${side} traced, 48 masked`);
  assert.doesNotMatch(text, /CVV2=987/);
  assert.doesNotMatch(text, /4761739001010010/);
});

test('run: a stop that leaves reversals in the journal warns "flow NAME stopped with SAF entries left", with safLeft', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'fwd.mjs'), 'export default async (m, c) => c.connectors.bank.request(m.fields);\n');
  const codec = createCodec('iso87ascii');
  // A bank that never answers: the purchase times out, its reversal is sent and never answered.
  const port = await bank(t, codec, () => undefined);
  writeFileSync(
    join(dir, 'flow.json'),
    JSON.stringify({
      name: 'left',
      connectors: { bank: { host: '127.0.0.1', port, requestTimeout: 100, reversal: { enabled: true, journalDir: './journal' }, saf: { retryInterval: 60000 } } },
      inboundEndpoints: { pos: { port: 0, sequence: './fwd.mjs' } },
    }),
  );
  const log = capture();
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), log.logger);
  t.after(() => running.close(0));
  const bankConnector = running.connectors.bank;
  assert.ok(bankConnector !== undefined);
  const sent = new Promise<void>((resolve) => bankConnector.on('saf', (e: { stage: string }) => e.stage === 'sent' && resolve()));
  await terminal((running.inbound.pos as AddressInfo).port, codec, PLAIN);
  await sent;
  await running.close(100);
  const stopped = log.text().split('\n').filter((l) => l.includes('flow left stopped'));
  assert.equal(stopped.length, 1, log.text());
  const line = JSON.parse(stopped[0] as string) as { level: number; msg: string; safLeft: { reversals: number } };
  assert.equal(line.level, 40);
  assert.equal(line.msg, 'flow left stopped with SAF entries left in the journal: the next start sends them');
  assert.equal(line.safLeft.reversals, 1);
});

test('run: a clean stop logs "flow NAME stopped" at info with nothing left', async (t) => {
  const log = capture();
  const dir = folder(t);
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({ name: 'clean', inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), log.logger);
  await running.close();
  assert.match(log.text(), /"level":30[^\n]*"safLeft":\{"reversals":0,"advices":0\},"msg":"flow clean stopped"/);
});

for (const check of [true, false]) {
  test(`run${check ? ' --check' : ''}: a sequence module whose top-level await never settles is ISO8583_ERR_FLOW_MODULE naming its path after moduleLoadTimeout`, async (t) => {
    const dir = folder(t);
    writeFileSync(join(dir, 'hang.mjs'), 'await new Promise(() => {});\nexport default async () => undefined;\n');
    writeFileSync(join(dir, 'flow.json'), JSON.stringify({ moduleLoadTimeout: 200, inboundEndpoints: { pos: { port: 0, sequence: './hang.mjs' } } }));
    const r = await runCli(['run', join(dir, 'flow.json'), ...(check ? ['--check'] : [])]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^iso8583: ISO8583_ERR_FLOW_MODULE: \/inboundEndpoints\/pos\/sequence: module \S+hang\.mjs has not finished loading after 200 ms \(moduleLoadTimeout\)\n$/);
  });
}

test('run --log-messages through an upstream group: each message is masked by the dialect of the upstream it went to, not the first one\'s', async (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, 'cvv.json'), JSON.stringify({ name: 'cvv48', extends: 'iso87binary', fields: { '48': { sensitive: 'cvv' } } }));
  writeFileSync(join(dir, 'fwd.mjs'), 'export default async (m, c) => c.connectors.banks.request(m.fields);\n');
  const cvv = createCodec(resolveDialect(join(dir, 'cvv.json')));
  const plain = createCodec('iso87ascii');
  // The first bank (iso87ascii, no field marked beyond the standard's) is never used: the route sends 4761 to `second`.
  const first = await bank(t, plain, (m) => ({ ...m, '0': '0210', '39': '00' }));
  const second = await bank(t, cvv, (m) => ({ ...m, '0': '0210', '39': '00' }));
  writeFileSync(
    join(dir, 'flow.json'),
    JSON.stringify({
      connectors: { one: { host: '127.0.0.1', port: first }, two: { host: '127.0.0.1', port: second, dialect: './cvv.json' } },
      upstreamGroups: { banks: { upstreams: ['one', 'two'], routes: [{ pan: '4761', upstream: 'two' }] } },
      inboundEndpoints: { pos: { port: 0, sequence: './fwd.mjs' } },
    }),
  );
  const log = capture();
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), log.logger, { logMessages: true });
  t.after(() => running.close(0));
  const groupUp = running.groups.banks;
  assert.ok(groupUp !== undefined);
  if (!groupUp.healthy().includes('two')) await new Promise<void>((resolve) => groupUp.on('up', (e) => e.upstream === 'two' && resolve()));
  // The answer echoes field 48: both the request and the answer carry it, on the group's side of the trace.
  const reply = await terminal((running.inbound.pos as AddressInfo).port, plain, PURCHASE);
  assert.equal(reply?.['39'], '00');
  await running.close();
  const text = log.text();
  const banks = text.split('\n').filter((l) => l.includes('"side":"banks"'));
  assert.equal(banks.length, 2, 'the request and its answer traced on the group side');
  for (const line of banks) assert.match(line, /48 +ADDITIONAL DATA - PRIVATE: \*+/);
  assert.doesNotMatch(banks.join('\n'), /CVV2=987/);
});

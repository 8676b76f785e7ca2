/**
 * Message traces with the real binary: `--log-messages` logs each message in and out (direction, peer, latency, the
 * fields as `describe()` shows them), `--log-level debug` a line per message and `trace` its fields, the gateway every
 * HTTP request (a 400 too); and no card data (PAN, track 1 and 2, PIN block, EMV data) in any captured byte. One
 * simulator without traces serves every test but the first group's (which reads its own host's trace lines).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec } from '@iso8583/codec';
import { chooseLogFormat } from '@iso8583/cli';
import { waitUntil } from '@iso8583/test-support';
import { spawn } from 'node:child_process';
import { BIN, exitWithin, startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-traces-'));
/** The host (no traces of its own) of the gateways, the load, the pretty send and the flow. */
let plainBank: Awaited<ReturnType<typeof startSimulator>>;

before(async () => {
  plainBank = await startSimulator();
});

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** A purchase carrying every kind of card data, and the texts that must never be logged. */
const PURCHASE = {
  '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000002500', '11': '000002', '14': '3012',
  '35': '4111111111111111=30121010000012345678', '36': '0112345678901234450724724000000000000300', '41': 'TERM0001', '45': 'B4111111111111111^CARDHOLDER/TEST^30121010000000000000',
  '49': '840', '52': '0123456789ABCDEF', '55': '9F2608AABBCCDDEEFF0011',
};
const SECRETS = [
  '4111111111111111', '111111111111', '30121010000012345678', '0112345678901234450724724', 'CARDHOLDER', '0123456789ABCDEF',
  'AABBCCDDEEFF0011', '9F2608',
];

function assertNoCardData(text: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} shows ${secret}`);
}

/** The JSON log lines of a text (other lines ignored). */
function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Runs `iso8583 <args>` with `input` on stdin to its end (20 s at most); resolves with its exit code and stderr. */
function runWithInput(args: string[], input: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: () => string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`iso8583 ${args.join(' ')}: still running after 20 s; stderr: ${err}`));
    }, 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr: () => err });
    });
  });
}

/** Runs `iso8583 send` with `message` on stdin; it must exit 0. */
async function send(port: number, message: object, flags: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stderr: () => string }> {
  const r = await runWithInput(['send', '--port', String(port), ...flags], JSON.stringify(message), env);
  assert.equal(r.code, 0, r.stderr());
  return r;
}

/** Sends one framed message (2-byte binary length) to the gateway's POS port and waits for its first answer bytes. */
async function sendOnce(pos: { host: string; port: number }, body: Buffer): Promise<void> {
  const socket = createConnection({ host: pos.host, port: pos.port });
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  socket.write(Buffer.concat([length, body]));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve());
      socket.once('error', reject);
    });
  } finally {
    socket.destroy();
  }
}

describe('simulate-host and send with --log-messages', () => {
  let bank: Awaited<ReturnType<typeof startSimulator>>;
  before(async () => {
    bank = await startSimulator(['--log-messages']);
  });

  test('each side logs the message out and the answer in, with peer, latency and masked fields', async () => {
    const p = await send(bank.port, PURCHASE, ['--log-messages']);
    const lines = jsonLines(p.stderr()).filter((l) => l.direction !== undefined);
    assert.deepEqual(lines.map((l) => [l.direction, l.mti]), [['out', '0200'], ['in', '0210']]);
    const [out, answer] = lines as [Record<string, unknown>, Record<string, unknown>];
    assert.equal(out.level, 30, 'at info');
    assert.equal(out.peer, `127.0.0.1:${bank.port}`);
    assert.equal(out.stan, '000002');
    assert.equal(typeof answer.latencyMs, 'number');
    assert.equal(answer.responseCode, '00');
    assert.match(String(out.msg), /^-> host to 127\.0\.0\.1:\d+ 0200\n/);
    assert.match(String(out.msg), /PRIMARY ACCOUNT NUMBER \(PAN\): 411111\*{6}1111/);
    assert.match(String(answer.msg), /^<- host from 127\.0\.0\.1:\d+ 0210 in [\d.]+ ms\n/);
    assertNoCardData(p.stderr(), 'send stderr');

    // The host logged the same message in from the client and its answer out.
    const host = bank.process;
    const deadline = Date.now() + 10_000;
    while (jsonLines(host.stderr()).filter((l) => l.stan === '000002').length < 2) {
      assert.ok(Date.now() < deadline, `the host's trace lines: ${host.stderr()}`);
      await new Promise((resolve) => host.child.stderr?.once('data', resolve));
    }
    const hostLines = jsonLines(host.stderr()).filter((l) => l.stan === '000002');
    assert.deepEqual(hostLines.map((l) => [l.direction, l.mti]), [['in', '0200'], ['out', '0210']]);
    assert.match(String(hostLines[0]?.peer), /^127\.0\.0\.1:\d+$/);
    assert.equal(typeof hostLines[1]?.latencyMs, 'number');
    assertNoCardData(host.stderr(), 'simulate-host stderr');
  });

  test('--log-level debug adds a line per message without its fields; trace adds the fields', async () => {
    const debug = await send(bank.port, PURCHASE, ['--log-level', 'debug']);
    const debugLines = jsonLines(debug.stderr()).filter((l) => l.direction !== undefined);
    assert.deepEqual(debugLines.map((l) => [l.level, l.direction]), [[20, 'out'], [20, 'in']]);
    assert.doesNotMatch(String(debugLines[0]?.msg), /\n/, 'no fields at debug');
    const trace = await send(bank.port, PURCHASE, ['--log-level', 'trace']);
    const traceLines = jsonLines(trace.stderr()).filter((l) => l.direction !== undefined);
    assert.match(String(traceLines[0]?.msg), /\n {2}2 {3}PRIMARY ACCOUNT NUMBER \(PAN\): 411111\*{6}1111/);
    assertNoCardData(debug.stderr() + trace.stderr(), 'send stderr at debug and trace');
  });

  test('without either, send logs nothing on a success', async () => {
    const quiet = await send(bank.port, PURCHASE, []);
    assert.equal(quiet.stderr(), '');
  });
});

describe('the gateway with --log-messages', () => {
  let gw: Awaited<ReturnType<typeof startGateway>>;
  const logFile = join(work, 'gateway.log');
  before(async () => {
    const bank = plainBank;
    gw = await startGateway([
      '--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--log-file', logFile,
      '--log-level', 'warn', '--log-messages',
    ]);
  });

  test('a POS message: pos in, upstream out, upstream in, pos out; HTTP requests with method, path, status and ms', async () => {
    // POS: the binary wire image with a 2-byte length.
    const codec = createCodec('iso87ascii');
    const body = codec.pack(PURCHASE);
    await sendOnce(gw.pos, body);
    // HTTP: an answered request, a query secret (not a parameter of the route: refused 400, never sent) and a body
    // that is not JSON (400).
    const http = `http://${gw.http.host}:${gw.http.port}`;
    const ok = await fetch(`${http}/?timeout=5000`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...PURCHASE, '11': '000003' }) });
    assert.equal(ok.status, 200);
    const secret = await fetch(`${http}/?timeout=5000&token=s3cret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...PURCHASE, '11': '000004' }) });
    assert.equal(secret.status, 400);
    assert.ok(!(await secret.text()).includes('s3cret'), 'no query secret in the refusal');
    const bad = await fetch(`${http}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"2":"4111111111111111",' });
    assert.equal(bad.status, 400);
    await bad.text();
    await ok.text();
    // SIGHUP flushes nothing; stopping the gateway writes every line to the file.
    gw.process.kill('SIGTERM');
    await exitWithin(gw.process, 20_000, 'gateway stop');
    const text = readFileSync(logFile, 'utf8');
    const lines = jsonLines(text);
    const pos = lines.filter((l) => l.stan === '000002').map((l) => `${String(l.side)} ${String(l.direction)}`);
    assert.deepEqual(pos, ['pos in', 'upstream out', 'upstream in', 'pos out']);
    const requests = lines.filter((l) => l.method === 'POST');
    assert.deepEqual(requests.map((l) => [l.url, l.status]), [['/?timeout=5000', 200], ['/?timeout=5000&token=***', 400], ['/', 400]]);
    assert.ok(requests.every((l) => typeof l.ms === 'number'));
    assert.ok(!text.includes('s3cret'), 'no query secret');
    assertNoCardData(text, 'the gateway log');
  });
});

describe('the gateway with --client-dialect and --log-messages', () => {
  test('POS messages are described by the POS dialect: a CVV it marks in field 48 is masked on the pos lines and on the upstream lines', async () => {
    const dialectFile = join(work, 'pos-cvv.json');
    writeFileSync(dialectFile, JSON.stringify({ name: 'pos-cvv', extends: 'iso87ascii', fields: { '48': { sensitive: 'cvv' } } }));
    const logFile = join(work, 'gateway-client-dialect.log');
    const bank = plainBank;
    const gw = await startGateway([
      '--upstream', `${bank.host}:${bank.port}`, '--client-dialect', dialectFile, '--reversal-journal', join(work, 'journal-client-dialect'),
      '--log-file', logFile, '--log-level', 'warn', '--log-messages',
    ]);
    const codec = createCodec('iso87ascii');
    const body = codec.pack({ ...PURCHASE, '11': '000048', '48': 'CVV2=4729' });
    await sendOnce(gw.pos, body);
    gw.process.kill('SIGTERM');
    await exitWithin(gw.process, 20_000, 'gateway stop');
    const lines = jsonLines(readFileSync(logFile, 'utf8')).filter((l) => l.stan === '000048' && l.side === 'pos');
    assert.deepEqual(lines.map((l) => l.direction), ['in', 'out'], 'the POS message in and its answer out');
    for (const line of lines) assert.ok(!JSON.stringify(line).includes('4729'), `the pos ${String(line.direction)} line shows the CVV`);
    // The same message on the bank's side (its dialect, iso87ascii, calls 48 free text): masked by the POS dialect's mark too.
    const upstream = jsonLines(readFileSync(logFile, 'utf8')).filter((l) => l.stan === '000048' && l.side === 'upstream');
    assert.deepEqual(upstream.map((l) => l.direction), ['out', 'in'], 'the request to the bank and its answer');
    for (const line of upstream) assert.ok(!JSON.stringify(line).includes('4729'), `the upstream ${String(line.direction)} line shows the CVV`);
  });
});

describe('the gateway with upstreams of their own dialects (config file, no --client-dialect) and --log-messages', () => {
  test('a field only one upstream\'s dialect marks is masked on the pos lines and on every upstream line', async () => {
    // Bank A's dialect marks field 48 as CVV, bank B's field 62: the POS side (the gateway's dialect) marks neither.
    const dialectA = join(work, 'bank-a-cvv.json');
    const dialectB = join(work, 'bank-b-cvv.json');
    writeFileSync(dialectA, JSON.stringify({ name: 'bank-a-cvv', extends: 'iso87ascii', fields: { '48': { sensitive: 'cvv' } } }));
    writeFileSync(dialectB, JSON.stringify({ name: 'bank-b-cvv', extends: 'iso87ascii', fields: { '62': { sensitive: 'cvv' } } }));
    const config = join(work, 'gateway-upstream-dialects.json');
    const bank = plainBank;
    writeFileSync(config, JSON.stringify({
      upstreams: [
        { name: 'a', upstream: `${bank.host}:${bank.port}`, dialect: dialectA },
        { name: 'b', upstream: `${bank.host}:${bank.port}`, dialect: dialectB },
      ],
    }));
    const logFile = join(work, 'gateway-upstream-dialects.log');
    const gw = await startGateway([
      '--config', config, '--reversal-journal', join(work, 'journal-upstream-dialects'), '--log-file', logFile, '--log-level', 'warn', '--log-messages',
    ]);
    await waitUntil(async () => {
      const stats = (await (await fetch(`http://${gw.http.host}:${gw.http.port}/stats`)).json()) as { healthy?: string[] };
      return stats.healthy?.length === 2 ? true : undefined;
    }, { what: 'both upstreams healthy' });
    await sendOnce(gw.pos, createCodec('iso87ascii').pack({ ...PURCHASE, '11': '000062', '48': 'CVV2=4729', '62': 'CVC=8316' }));
    gw.process.kill('SIGTERM');
    await exitWithin(gw.process, 20_000, 'gateway stop');
    const lines = jsonLines(readFileSync(logFile, 'utf8')).filter((l) => l.stan === '000062');
    assert.deepEqual(lines.map((l) => `${String(l.side)} ${String(l.direction)}`), ['pos in', 'upstream out', 'upstream in', 'pos out']);
    for (const line of lines) {
      for (const secret of ['4729', '8316']) assert.ok(!JSON.stringify(line).includes(secret), `the ${String(line.side)} ${String(line.direction)} line shows ${secret}`);
    }
  });
});

test('load --log-messages logs each request and answer, masked', async () => {
  const bank = plainBank;
  const p = startCli(['load', '--port', String(bank.port), '--clients', '1', '--count', '2', '--quiet', '--log-messages']);
  const exit = await exitWithin(p, 30_000, 'iso8583 load');
  assert.equal(exit.code, 0, `${p.stderr()}\nthe host (exit ${String(bank.process.child.exitCode ?? bank.process.child.signalCode)}): ${bank.process.stderr()}`);
  const lines = jsonLines(p.stderr()).filter((l) => l.direction !== undefined);
  assert.deepEqual(lines.map((l) => l.direction), ['out', 'in', 'out', 'in']);
  assert.match(String(lines[0]?.msg), /PRIMARY ACCOUNT NUMBER \(PAN\): \d{6}\*{6}\d{4}/);
  // The load's cards are generated: no run of 13 to 19 digits but the line times may be logged.
  assert.doesNotMatch(p.stderr().replace(/"time":\d+/g, ''), /\b\d{13,19}\b/, 'no whole card number');
});

describe('chooseLogFormat: pretty for a person at a terminal, JSON for a program', () => {
  const cases: [Parameters<typeof chooseLogFormat>[0], 'json' | 'pretty'][] = [
    [{ isTTY: true }, 'pretty'],
    [{ isTTY: false }, 'json'],
    [{ isTTY: undefined }, 'json'],
    [{ isTTY: true, file: '/var/log/gw.log' }, 'json'],
    [{ isTTY: true, format: 'json' }, 'json'],
    [{ isTTY: false, format: 'pretty' }, 'pretty'],
    [{ isTTY: true, env: { ISO8583_LOG_FORMAT: 'json' } }, 'json'],
    [{ isTTY: false, env: { ISO8583_LOG_FORMAT: 'pretty' } }, 'pretty'],
    [{ isTTY: false, env: { ISO8583_LOG_FORMAT: 'yaml' } }, 'json'],
  ];
  for (const [choice, expected] of cases) {
    test(`${JSON.stringify(choice)} -> ${expected}`, () => assert.equal(chooseLogFormat(choice), expected));
  }
});

test('ISO8583_LOG_FORMAT=pretty: the trace lines are pino-pretty text, still masked', async () => {
  const bank = plainBank;
  const p = await send(bank.port, PURCHASE, ['--log-messages'], { ISO8583_LOG_FORMAT: 'pretty' });
  assert.match(p.stderr(), /INFO \(send\): -> host to 127\.0\.0\.1:\d+ 0200\n/);
  assert.doesNotMatch(p.stderr(), /^\{/m, 'no JSON line');
  assertNoCardData(p.stderr(), 'pretty stderr');
});

test('run FLOW.json --log-messages: the endpoint\'s message in and out, and its connector\'s request and answer', async () => {
  const bank = plainBank;
  const flow = startCli(['run', 'examples/flows/payments.json', '--log-messages'], {
    env: { BANK_PORT: String(bank.port), POS_PORT: '0', STANDIN_PORT: '0', HTTP_PORT: '0' },
  });
  const m = await flow.waitForLine(/^inbound pos listening on (\S+):(\d+)$/);
  await flow.waitForLine(/^flow payments ready$/);
  const codec = createCodec('iso87ascii');
  const body = codec.pack({ ...PURCHASE, '11': '000007' });
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length);
  const socket = createConnection({ host: m[1] as string, port: Number(m[2]) });
  socket.write(Buffer.concat([length, body]));
  await new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
  });
  socket.destroy();
  flow.kill('SIGTERM');
  await exitWithin(flow, 20_000, 'flow stop');
  const lines = jsonLines(flow.stderr()).filter((l) => l.stan === '000007' && l.direction !== undefined);
  const host = `the host (exit ${String(bank.process.child.exitCode ?? bank.process.child.signalCode)}): ${bank.process.stderr()}`;
  assert.deepEqual(lines.map((l) => `${String(l.side)} ${String(l.direction)}`), ['pos in', 'bank out', 'bank in', 'pos out'], `${flow.stderr()}\n${host}`);
  assert.equal(lines[1]?.peer, `127.0.0.1:${bank.port}`);
  assertNoCardData(flow.stderr(), 'the flow log');
});

test('run FLOW.json --log-messages: a CVV the endpoint\'s dialect marks in field 48 is masked on its connector\'s lines too', async () => {
  const bank = plainBank;
  writeFileSync(join(work, 'flow-pos-cvv.json'), JSON.stringify({ name: 'flow-pos-cvv', extends: 'iso87ascii', fields: { '48': { sensitive: 'cvv' } } }));
  writeFileSync(join(work, 'forward.mjs'), 'export default (message, context) => context.connectors.bank.sendMessage(message.xml);\n');
  const flowFile = join(work, 'cvv-flow.json');
  writeFileSync(flowFile, JSON.stringify({
    name: 'cvv',
    connectors: { bank: { host: '127.0.0.1', port: bank.port, dialect: 'iso87ascii', requestTimeout: 10_000 } },
    inboundEndpoints: { pos: { port: 0, dialect: './flow-pos-cvv.json', sequence: './forward.mjs' } },
    logLevel: 'warn',
  }));
  const flow = startCli(['run', flowFile, '--log-messages', '--no-console']);
  const m = await flow.waitForLine(/^inbound pos listening on (\S+):(\d+)$/);
  await flow.waitForLine(/^flow cvv ready$/);
  await sendOnce({ host: m[1] as string, port: Number(m[2]) }, createCodec('iso87ascii').pack({ ...PURCHASE, '11': '000049', '48': 'CVV2=5831' }));
  flow.kill('SIGTERM');
  await exitWithin(flow, 20_000, 'flow stop');
  const lines = jsonLines(flow.stderr()).filter((l) => l.stan === '000049' && l.direction !== undefined);
  assert.deepEqual(lines.map((l) => `${String(l.side)} ${String(l.direction)}`), ['pos in', 'bank out', 'bank in', 'pos out'], flow.stderr());
  for (const line of lines) assert.ok(!JSON.stringify(line).includes('5831'), `the ${String(line.side)} ${String(line.direction)} line shows the CVV`);
});

/**
 * Coming from SocketQueue: the samples of SocketQueue's README (the JSON purchase, the JSON 800 echo, the /raw hex
 * echo, the binary echo payload on the POS port) through the real `iso8583 gateway --dialect smartvista` in front of the real `iso8583 simulate-host --dialect
 * smartvista`, started with SocketQueue's own flag and config names; its stat-server figures on `/stats` and on the
 * raw stats port; answers shaped like SocketQueue's with `--socketqueue-answers`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameDecoder, createCodec } from '@iso8583/codec';
import { readVector, reservePort, waitUntil } from '@iso8583/test-support';
import type { PortReservation } from '@iso8583/test-support';
import { hostPort, startCli, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';

/**
 * SocketQueue's README purchase as its latest edition (© 2015–2026) prints it: field 55 has 259 hex digits (a `0` of
 * `9c 01 00` is missing). Its track 2 holds a published test card number here, not the README's.
 */
const README_PURCHASE = JSON.parse(
  '{ "0": "0200",  "3": "0",  "4": 1000,  "7": "0818160933",  "11": 618160,  "12": "150820130600",  "22": "056",  "24": "200",  "25": "00",  "35": "4761739001010010=19082012232800000037",  "41": 992468,  "42": 124642124643,  "49": "810",  "55": "9f2608571f1e10d4fa4aac9f2701809f100706010a03a4b8029f37045bb074729f3602000c950500800010009a031508189c0109f02060000000010005f2a02064382023c009f1a0206439f03060000000000009f3303e0f0c89f34034403029f3501229f1e0835313230323831358407a00000000310109f41030000565f340101" }',
) as Record<string, string | number>;

/** The same purchase with field 55 mended (`9c 01 00`: transaction type 00), 130 bytes of EMV data, as the README's earlier editions print it. */
const PURCHASE = { ...README_PURCHASE, '55': String(README_PURCHASE['55']).replace('9c0109f02', '9c01009f02') };

/** SocketQueue's README JSON echo: a 3-digit MTI and numeric fields given short. */
const README_ECHO = { '0': '800', '3': '0', '7': '0607161700', '11': '123456', '24': '0', '41': '00123456', '42': '123567890124567' };

/** SocketQueue's README /raw sample: the same echo as a SmartVista wire image in hex. */
const README_RAW =
  '303830302220010000c00000303030303030303630373136313730303132333435363030303030313233343536313233353637383930313234353637';

const work = mkdtempSync(join(tmpdir(), 'iso8583-socketqueue-'));
const codec = createCodec('smartvista');

interface Started {
  process: CliProcess;
  pos: { host: string; port: number };
  http: string;
  stats: { host: string; port: number };
}

/** Starts a gateway from `args` and reads its ready line (with the stats port). */
async function gatewayWith(args: string[]): Promise<Started> {
  const p = startCli(['gateway', ...args]);
  const m = await p.waitForLine(/^gateway listening pos=(\S+) http=(\S+).* stats=(\S+)/);
  const http = hostPort(m[2] as string);
  return { process: p, pos: hostPort(m[1] as string), http: `http://${http.host}:${http.port}`, stats: hostPort(m[3] as string) };
}

async function post(base: string, path: string, body: string, type = 'application/json'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
  return { status: res.status, text: await res.text() };
}

/** Everything the stats port writes before it closes the connection. */
function readStatsPort(at: { host: string; port: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(at.port, at.host);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

let plain: Started;
let shaped: Started;

/** Ports reserved for the gateways' HTTP and stats ports (0 there opens nothing under SocketQueue's names). */
const reservations: PortReservation[] = [];

/** A port reserved for the test, as text. */
async function reserved(): Promise<string> {
  const r = await reservePort();
  reservations.push(r);
  return String(r.port);
}

before(async () => {
  // A SmartVista host framed as SocketQueue frames its messages to the bank: 4 ASCII digits of length.
  const bank = await startSimulator(['--dialect', 'smartvista', '--any-card', '--frame', 'ascii4']);
  // Our answer shape, asked for in a config file: SocketQueue's names otherwise mean SocketQueue's (socketqueue-guide.test.ts).
  const plainConfig = join(work, 'plain.json');
  writeFileSync(plainConfig, JSON.stringify({ socketqueueAnswers: false }));
  // SocketQueue's flag names, and --sign-on: the SmartVista host approves the sign-on with 000.
  plain = await gatewayWith([
    '--config', plainConfig,
    '--upstreamHost', bank.host, '--upstreamPort', String(bank.port),
    // SocketQueue's listenHttpPort and statServerPort at 0 open nothing, as in SocketQueue: ports reserved for the test.
    '--listenPort', '0', '--listenHttpPort', await reserved(), '--statServerPort', await reserved(),
    '--logFile', join(work, 'plain.log'),
    '--dialect', 'smartvista', '--sign-on', '--reversal-journal', join(work, 'journal-plain'),
    // POS clients frame as SocketQueue's sample payloads do: 4 ASCII digits of length.
    '--client-frame', 'ascii4',
  ]);
  // SocketQueue's config file keys, given with -c.
  const config = join(work, 'config.json');
  writeFileSync(config, JSON.stringify({
    upstreamHost: bank.host, upstreamPort: bank.port, listenPort: 0, listenHttpPort: Number(await reserved()), statServerPort: Number(await reserved()),
    logFile: join(work, 'shaped.log'), dialect: 'smartvista', reversalJournal: join(work, 'journal-shaped'),
  }));
  shaped = await gatewayWith(['-c', config, '--socketqueue-answers']);
});

after(async () => {
  await stopAll();
  for (const r of reservations) r.release();
  rmSync(work, { recursive: true, force: true });
});

describe('coming from SocketQueue', () => {
  test('the README purchase is refused for its field 55 only (odd hex digits), named, without card data', async () => {
    const res = await post(plain.http, '/', JSON.stringify(README_PURCHASE));
    assert.equal(res.status, 400);
    const body = JSON.parse(res.text) as { result: unknown; errors: { code: string; message: string; problems?: { field: string }[] }[] };
    assert.equal(body.result, null);
    const error = body.errors[0]!;
    assert.equal(error.code, 'ISO8583_ERR_INVALID_MESSAGE');
    assert.deepEqual(error.problems?.map((p) => p.field), ['55']);
    assert.match(error.message, /55/);
    assert.doesNotMatch(res.text, /4761739001010010|9f2608571f/i);
  });

  test('mended, the purchase is approved with 000 (numbers padded: 41 00992468, 42 000124642124643)', async () => {
    const res = await post(plain.http, '/', JSON.stringify(PURCHASE));
    assert.equal(res.status, 200, res.text);
    const { result } = JSON.parse(res.text) as { result: Record<string, string> };
    assert.equal(result['0'], '0210');
    assert.equal(result['39'], '000');
    assert.equal(result['41'], '00992468');
    assert.equal(result['42'], '000124642124643');
    assert.equal(result['4'], '000000001000');
  });

  test('the README JSON echo ("0": "800") is answered 0810 with 000', async () => {
    const res = await post(plain.http, '/', JSON.stringify(README_ECHO));
    assert.equal(res.status, 200, res.text);
    const { result } = JSON.parse(res.text) as { result: Record<string, string> };
    assert.equal(result['0'], '0810');
    assert.equal(result['39'], '000');
    assert.equal(result['11'], '123456');
  });

  test('the README /raw echo (hex text) is answered in hex: a SmartVista 0810 with 000', async () => {
    const res = await post(plain.http, '/raw', README_RAW, 'text/plain');
    assert.equal(res.status, 200, res.text);
    const answer = codec.unpack(Buffer.from(res.text.trim(), 'hex'));
    assert.equal(answer['0'], '0810');
    assert.equal(answer['39'], '000');
    assert.equal(answer['11'], '123456');
  });

  test('the sample payload sv_800_echo_header.bin, as `nc` sends it to the POS port, is answered 0810 with 000', async () => {
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(plain.pos.port, plain.pos.host);
      const decoder = new FrameDecoder({ lengthHeader: 'ascii4' });
      socket.on('data', (chunk: Buffer) => {
        const frames = decoder.push(chunk);
        if (frames.length > 0) {
          resolve(Buffer.from(frames[0]!.payload));
          socket.destroy();
        }
      });
      socket.on('error', reject);
      socket.write(readVector('socketqueue/sv_800_echo_header.bin'));
    });
    const answer = codec.unpack(frame);
    assert.equal(answer['0'], '0810');
    assert.equal(answer['39'], '000');
    assert.equal(answer['41'], '00123456');
  });

  test('--socketqueue-answers: numeric fields as numbers, the bitmap as "1" (result["39"] === 0)', async () => {
    const res = await post(shaped.http, '/', JSON.stringify({ ...PURCHASE, '11': 618161 }));
    assert.equal(res.status, 200, res.text);
    const { result, errors } = JSON.parse(res.text) as { result: Record<string, unknown>; errors: unknown[] };
    assert.deepEqual(errors, []);
    assert.equal(result['39'], 0);
    assert.equal(result['0'], '0210');
    assert.equal(result['4'], 1000);
    assert.equal(result['49'], 810);
    assert.match(String(result['1']), /^[0-9a-f]{16}$/);
    // The fields SocketQueue pads stay padded text, as in its README answer.
    assert.equal(result['41'], '00992468');
    assert.equal(result['11'], '618161');
    assert.equal(result['7'], '0818160933');
    assert.equal(result['3'], 0);
  });

  test('/stats and the stats port show SocketQueue\'s figures by its definitions, ours beside them', async () => {
    // A refund and a decline-free reversal of the first purchase, so that every figure moves.
    const refund = await post(plain.http, '/', JSON.stringify({ ...PURCHASE, '3': '200000', '11': 618170, '4': 250 }));
    assert.equal(JSON.parse(refund.text).result['39'], '000');
    const reversal = await post(plain.http, '/', JSON.stringify({ ...PURCHASE, '0': '0400', '11': 618160 }));
    assert.equal(JSON.parse(reversal.text).result['39'], '000');
    const res = await fetch(`${plain.http}/stats`);
    const stats = (await res.json()) as Record<string, unknown>;
    // Purchases approved 10.00, refund 2.50, reversal 10.00: secured = 10.00 - 2.50 - 10.00.
    assert.equal(stats.processedAmount, 12.5);
    assert.equal(stats.refundAmount, 2.5);
    assert.equal(stats.reversalAmount, 10);
    assert.equal(stats.securedAmount, -2.5);
    assert.deepEqual(stats.faultStat, {});
    const packets = stats.packetCount as Record<string, number>;
    assert.equal(packets['0200'], 2);
    assert.equal(packets['0210'], 2);
    // The JSON echo, the /raw echo and the binary echo (the link's own sign-on and echo tests are not client packets).
    assert.equal(packets['0800'], 3);
    assert.equal(packets['0810'], 3);
    assert.equal(packets['0400'], 1);
    assert.equal(packets['0410'], 1);
    assert.equal(packets.total, 12);
    const upstream = stats.upstream as { amounts: Record<string, number>; byMti: Record<string, number> };
    assert.equal(upstream.amounts.secured, 1250);
    // Ours count what was accepted, the refused README purchase too; SocketQueue's count packets sent.
    assert.equal(upstream.byMti['0200'], 3);
    const raw = JSON.parse(await readStatsPort(plain.stats)) as Record<string, unknown>;
    assert.equal(raw.securedAmount, -2.5);
    assert.deepEqual(raw.packetCount, stats.packetCount);
  });

  test('SIGHUP resets SocketQueue\'s figures as SocketQueue does: amounts 0, faultStat {}, packetCount { total: 0 }', async () => {
    plain.process.kill('SIGHUP');
    const reset = await waitUntil(async () => {
      const figures = JSON.parse(await readStatsPort(plain.stats)) as Record<string, unknown>;
      return (figures.packetCount as { total: number }).total === 0 ? figures : undefined;
    }, { what: 'the figures reset after SIGHUP' });
    assert.deepEqual(
      [reset.securedAmount, reset.processedAmount, reset.refundAmount, reset.reversalAmount, reset.faultStat, reset.packetCount],
      [0, 0, 0, 0, {}, { total: 0 }],
    );
  });

  test('no card number reaches the logs', () => {
    for (const file of ['plain.log', 'shaped.log']) {
      assert.doesNotMatch(readFileSync(join(work, file), 'utf8'), /4761739001010010/);
    }
  });
});

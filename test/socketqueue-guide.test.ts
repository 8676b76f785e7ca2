/**
 * The SocketQueue guide's command (docs/gateway.md, "Coming from SocketQueue"), as the document prints it, in front of
 * a SmartVista host framed as SocketQueue frames its messages to the bank (4 ASCII digits of length): a socket client
 * as SocketQueue's (the bare message, read until the connection closes) and a web client as SocketQueue's
 * (`result["39"] === 0`) both get their answers, with no flag added.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec } from '@iso8583/codec';
import { repoRoot, reservePort } from '@iso8583/test-support';
import type { PortReservation } from '@iso8583/test-support';
import { hostPort, startCli, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sq-guide-'));
const codec = createCodec('smartvista');

/** The arguments of the guide's `iso8583 gateway` command, read from docs/gateway.md. */
function guideCommand(): string[] {
  const doc = readFileSync(join(repoRoot(), 'docs', 'gateway.md'), 'utf8');
  const section = doc.slice(doc.indexOf("SocketQueue's README command, as it is"));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const words = block.replace(/\\\n/g, ' ').trim().split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ['iso8583', 'gateway']);
  return words.slice(2);
}

/** The ports of the guide's HTTP and stats servers, reserved for the test. */
const reservations: PortReservation[] = [];
let pos: { host: string; port: number };
let http: string;

before(async () => {
  const bank = await startSimulator(['--dialect', 'smartvista', '--any-card', '--frame', 'ascii4']);
  // Only the addresses change: this host's bank, free ports, a log file of the test's own. SocketQueue's
  // listenHttpPort and statServerPort at 0 open nothing, as in SocketQueue: ports reserved for the test.
  reservations.push(await reservePort(), await reservePort());
  const local: Record<string, string> = {
    upstreamHost: bank.host, upstreamPort: String(bank.port), listenPort: '0',
    listenHttpPort: String(reservations[0]?.port), statServerPort: String(reservations[1]?.port),
    logFile: join(work, 'log.txt'),
  };
  const args = guideCommand().map((arg) => {
    const m = /^--(\w+)=(.*)$/.exec(arg);
    return m !== null && local[m[1] as string] !== undefined ? `--${m[1]}=${local[m[1] as string]}` : arg;
  });
  assert.ok(args.includes('--listenPort=0'), 'the guide\'s command names --listenPort');
  const gateway = startCli(['gateway', ...args], { env: { XDG_STATE_HOME: join(work, 'state') } });
  const m = await gateway.waitForLine(/^gateway listening pos=(\S+) http=(\S+)/);
  pos = hostPort(m[1] as string);
  const h = hostPort(m[2] as string);
  http = `http://${h.host}:${h.port}`;
});

after(async () => {
  await stopAll();
  for (const r of reservations) r.release();
  rmSync(work, { recursive: true, force: true });
});

test('SocketQueue guide – a socket client sends the bare 0800, gets the bare 0810, and the connection closes', async () => {
  const request = codec.pack({ '0': '0800', '3': '990000', '7': '1201181700', '11': '000001', '24': '831', '41': '00000007' });
  const received = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(pos.port, pos.host, () => socket.write(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // SocketQueue's clients read the answer until the gateway closes the connection.
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
  const answer = codec.unpack(received);
  assert.equal(answer['0'], '0810');
  assert.equal(answer['39'], '000');
  assert.equal(answer['11'], '000001');
});

test('SocketQueue guide – a web client\'s purchase is approved as SocketQueue answers it: result["39"] === 0', async () => {
  const purchase = {
    '0': '0200', '3': '0', '4': 1000, '7': '0818160933', '11': 618160, '12': '150820130600', '22': '056', '24': '200',
    '25': '00', '35': '4761739001010010=19082012232800000037', '41': 992468, '42': 124642124643, '49': '810',
  };
  const res = await fetch(`${http}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase) });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { result: Record<string, unknown>; errors: unknown[] };
  assert.deepEqual(body.errors, []);
  assert.equal(body.result['0'], '0210');
  assert.equal(body.result['39'], 0);
});

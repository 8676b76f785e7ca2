// `iso8583 send` of a financial request whose outcome is unknown (timeout, connection lost): send reverses nothing,
// and its error says so. The hosts (a real slow simulator, and servers of this process that drop the connection or
// answer with another key) start before the tests; the sends run in one process (`main` for each,
// helpers/main-batch.ts), in the order of the tests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec, dialectFromJson, MessageStream } from '@iso8583/codec';
import type { Codec, IsoMessage } from '@iso8583/codec';
import { startCli } from './cli-process.js';
import type { RunningCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';
import { ECHO, PURCHASE } from './messages.js';

/** A dialect whose field 41 takes 40 characters (the last test), in a folder removed when the file ends. */
const dir = mkdtempSync(join(tmpdir(), 'send-key-'));
const dialectFile = join(dir, 'long-41.json');
const LONG_41 = { name: 'long-41', extends: 'iso87ascii', fields: { '41': { type: 'ans', length: 40, prefix: { encoding: 'ascii', digits: 2 } } } };
writeFileSync(dialectFile, JSON.stringify(LONG_41));
const ebcdicPan = [...'4111111111111111'].map((d) => `F${d}`).join('');

/** A server of this process answering each request (framed binary2, in `codec`) with `answers(request)`. */
function answering(codec: Codec, answers: (request: IsoMessage) => IsoMessage[]): net.Server {
  return net.createServer((socket) => {
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        for (const answer of answers(stream.decode(frame).message)) stream.send(answer);
      },
    });
  });
}

const servers = {
  // Drops the connection on the request.
  lost: net.createServer((socket) => socket.once('data', () => socket.destroy())),
  // The answer drops field 41 (some hosts do not echo it); then one with another STAN.
  otherKey: answering(createCodec('iso87ascii'), (request) => {
    const answer: IsoMessage = { ...request, '0': '0210', '39': '00' };
    delete answer['41'];
    return [answer, { ...request, '0': '0210', '11': '999999', '39': '00' }];
  }),
  // Answers with the EBCDIC hex of a test card number in the long field 41 (and another STAN, so that it does not match).
  cardIn41: answering(createCodec(dialectFromJson(LONG_41)), (request) => [{ ...request, '0': '0210', '11': '999999', '39': '00', '41': ebcdicPan }]),
};
let slow: RunningCli | undefined;

before(async () => {
  await Promise.all(Object.values(servers).map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  slow = await startCli(['simulate-host', '--port', '0', '--delay', '3000']);
});

after(async () => {
  await slow?.stop();
  await Promise.all(Object.values(servers).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  rmSync(dir, { recursive: true, force: true });
});

const portOf = (server: net.Server): string => String((server.address() as net.AddressInfo).port);
const sends = mainBatch();

// `--timeout` bounds the connection too (send.ts `connectTimeout`): 1000 ms, not 200, so that a busy machine still
// connects within it (a CI run under load got CONNECT_TIMEOUT at 200 ms); the host answers 3000 ms after, well past it.
const lateSale = sends.line(async () => ['send', '--port', String((slow as RunningCli).port), '--timeout', '1000'], JSON.stringify(PURCHASE));
const lateEcho = sends.line(async () => ['send', '--port', String((slow as RunningCli).port), '--timeout', '1000'], JSON.stringify(ECHO));
test('send of a 0200 that times out says its outcome is unknown and that no reversal was sent; an 0800 does not', async () => {
  const r = await lateSale();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_TIMEOUT: .*; the outcome of the 0200 at the host is unknown and no reversal was sent \(send does not reverse/);
  assert.ok(!r.stderr.includes('4111111111111111'));
  const echo = await lateEcho();
  assert.doesNotMatch(echo.stderr, /reversal/);
});

const lost = sends.line(async () => ['send', '--port', portOf(servers.lost), '--timeout', '5000'], JSON.stringify(PURCHASE));
test('send of a 0200 whose connection is lost says its outcome is unknown and that no reversal was sent', async () => {
  const r = await lost();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_CONNECTION_LOST: .*the outcome of the 0200 at the host is unknown and no reversal was sent/);
});

// The answers are there at once: the timeout only ends the wait for one that matches.
const otherKey = sends.line(async () => ['send', '--port', portOf(servers.otherKey), '--timeout', '1000'], JSON.stringify(PURCHASE));
test('send whose host answers with another key (no field 41, another STAN) says the host answered, with what key', async () => {
  const r = await otherKey();
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'iso8583: ISO8583_ERR_CONNECTOR_TIMEOUT: no response within 1000 ms: the host answered, but not with ' +
    'the request\'s MTI, field 11 and field 41, which send matches by: it sent 0210, 11 000043, no 41 (and 1 more), ' +
    'expected 0210, 11 000043, 41 TERM0001; the outcome of the 0200 at the host is unknown and no reversal was sent ' +
    '(send does not reverse: send the reversal yourself, 0400 with field 90, or go through the gateway, which does)\n');
});

const cardIn41 = sends.line(async () => ['send', '--port', portOf(servers.cardIn41), '--timeout', '1000', '--dialect', dialectFile], JSON.stringify(PURCHASE));
test('send\'s unmatched-answer text shows the answer\'s key as every log line does: a card number in a dialect\'s long field 41 is masked', async () => {
  const r = await cardIn41();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the host answered, but not with the request's MTI, field 11 and field 41.*: it sent 0210, 11 999999, 41 (?:F4F1F1F1F1F1)?\*+F1F1F1F1, expected 0210/); // an error line (safeText) may hide the first six too
  assert.ok(!r.stderr.includes(ebcdicPan), r.stderr);
});

const lost1993 = sends.line(async () => ['send', '--port', portOf(servers.lost), '--timeout', '5000', '--dialect', 'iso93ascii'],
  JSON.stringify({ '0': '1200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '000041', '41': 'TERM0001' }));
test('send of a 1993 1200 whose outcome is unknown advises the 1993 reversal: 1400 with field 56, not 0400 with field 90', async () => {
  const r = await lost1993();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the outcome of the 1200 at the host is unknown and no reversal was sent \(send does not reverse: send the reversal yourself, 1400 with field 56, or go through/);
});

// `iso8583 send` of a financial request whose outcome is unknown (timeout, connection lost): send reverses nothing,
// and its error says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec, dialectFromJson, MessageStream } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { runCli, startCli } from './cli-process.js';
import { ECHO, PURCHASE } from './messages.js';

test('send of a 0200 that times out says its outcome is unknown and that no reversal was sent; an 0800 does not', async (t) => {
  const host = await startCli(['simulate-host', '--port', '0', '--delay', '1500']);
  t.after(() => host.stop());
  const r = await runCli(['send', '--port', String(host.port), '--timeout', '200'], JSON.stringify(PURCHASE));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_TIMEOUT: .*; the outcome of the 0200 at the host is unknown and no reversal was sent \(send does not reverse/);
  assert.ok(!r.stderr.includes('4111111111111111'));
  const echo = await runCli(['send', '--port', String(host.port), '--timeout', '200'], JSON.stringify(ECHO));
  assert.doesNotMatch(echo.stderr, /reversal/);
});

test('send of a 0200 whose connection is lost says its outcome is unknown and that no reversal was sent', async (t) => {
  const server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const r = await runCli(['send', '--port', String(port), '--timeout', '5000'], JSON.stringify(PURCHASE));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_CONNECTION_LOST: .*the outcome of the 0200 at the host is unknown and no reversal was sent/);
});

test('send whose host answers with another key (no field 41, another STAN) says the host answered, with what key', async (t) => {
  const codec = createCodec('iso87ascii');
  const server = net.createServer((socket) => {
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const request = stream.decode(frame).message;
        // The answer drops field 41 (some hosts do not echo it); then one with another STAN.
        const answer: IsoMessage = { ...request, '0': '0210', '39': '00' };
        delete answer['41'];
        stream.send(answer);
        stream.send({ ...request, '0': '0210', '11': '999999', '39': '00' });
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const r = await runCli(['send', '--port', String(port), '--timeout', '3000'], JSON.stringify(PURCHASE));
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'iso8583: ISO8583_ERR_CONNECTOR_TIMEOUT: no response within 3000 ms: the host answered, but not with ' +
    'the request\'s MTI, field 11 and field 41, which send matches by: it sent 0210, 11 000043, no 41 (and 1 more), ' +
    'expected 0210, 11 000043, 41 TERM0001; the outcome of the 0200 at the host is unknown and no reversal was sent ' +
    '(send does not reverse: send the reversal yourself, 0400 with field 90, or go through the gateway, which does)\n');
});

test('send\'s unmatched-answer text shows the answer\'s key as every log line does: a card number in a dialect\'s long field 41 is masked', async (t) => {
  // A dialect whose field 41 takes 40 characters, and a host that answers with the EBCDIC hex of a test card number
  // there (and another STAN, so that the answer does not match).
  const dir = mkdtempSync(join(tmpdir(), 'send-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dialectFile = join(dir, 'long-41.json');
  const dialect = { name: 'long-41', extends: 'iso87ascii', fields: { '41': { type: 'ans', length: 40, prefix: { encoding: 'ascii', digits: 2 } } } };
  writeFileSync(dialectFile, JSON.stringify(dialect));
  const codec = createCodec(dialectFromJson(dialect));
  const ebcdicPan = [...'4111111111111111'].map((d) => `F${d}`).join('');
  const server = net.createServer((socket) => {
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const request = stream.decode(frame).message;
        stream.send({ ...request, '0': '0210', '11': '999999', '39': '00', '41': ebcdicPan });
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const r = await runCli(['send', '--port', String(port), '--timeout', '2000', '--dialect', dialectFile], JSON.stringify(PURCHASE));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /the host answered, but not with the request's MTI, field 11 and field 41.*: it sent 0210, 11 999999, 41 F4F1F1F1F1F1\*+F1F1F1F1, expected 0210/);
  assert.ok(!r.stderr.includes(ebcdicPan), r.stderr);
});

// A body refused over the port's budget (body-budget.ts) never reaches a route, however it ends. A chunked body has no
// Content-Length: when the chunks read before the refusal already made whole JSON (JSON then white space) and the rest
// came in the same read, the refused body still ended cleanly, the parser read the JSON and the route sent the payment
// on, while the client read 503 "nothing was sent on: try again" (sr61d finding 2). Real parts: an inbound endpoint on
// a TCP port counting every message it receives, the HTTP app on 127.0.0.1, raw sockets.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { httpCall, rawHttp, readUntil, waitUntil, within } from '@iso8583/test-support';
import { assembleHttp } from '../src/http/app.js';
import { purchase } from './flow-approvals-bank.js';

const DEADLINE = 10_000;

/** The host simulator as the bank, recording the field 11 of each message it receives. */
async function recordingHost(t: TestContext): Promise<{ hostPort: number; received: string[] }> {
  const simulator = createHostSimulator();
  const received: string[] = [];
  const sequence: Sequence = (message, context) => {
    received.push(String(message.fields['11']));
    return simulator(message, context);
  };
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence });
  const { port: hostPort } = await host.start();
  t.after(() => host.destroy());
  return { hostPort, received };
}

test('HTTP port – a chunked body whose JSON fits the budget and whose trailing white space passes it is refused 503 and never sent on', async (t) => {
  const { hostPort, received } = await recordingHost(t);
  const message = JSON.stringify(purchase('000001'));
  // The budget is the JSON's length: the chunk of the JSON is read into the body, the "\n" after it is past the budget.
  const http = await assembleHttp({ connectors: { bank: { host: '127.0.0.1', port: hostPort, routes: { prefix: '' } } }, bodyBudget: message.length });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());

  const c = rawHttp(port);
  t.after(() => c.socket.destroy());
  c.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`
    + `${message.length.toString(16)}\r\n${message}\r\n1\r\n\n\r\n0\r\n\r\n`);
  await within(c.closed, DEADLINE, 'the connection of the refused body was not closed');
  assert.match(c.text(), /^HTTP\/1\.1 503 [\s\S]*ISO8583_ERR_CONSOLE_BODY_BUDGET/);
  assert.equal(http.bodies.refused, 1);

  // A purchase sent after it goes on the same connector: the refused one, had it been sent, came to the host first.
  const next = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify(purchase('000002')));
  assert.equal(next.status, 200, next.body);
  assert.deepEqual(received, ['000002'], 'the refused purchase reached the host');
  assert.equal(http.bodies.held, 0);
});

for (const method of ['GET', 'POST']) {
  test(`HTTP port – ${method} with a body no route reads, on a keep-alive connection: answered, the next request too, and its bytes given back`, async (t) => {
    const http = await assembleHttp({ connectors: {} });
    const { port } = await http.listen('127.0.0.1', 0, '--http');
    t.after(() => http.app.close());
    const c = rawHttp(port);
    t.after(() => c.socket.destroy());
    const body = 'x'.repeat(100_000);
    c.socket.write(`${method} /nowhere HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`
      + `GET /again HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await within(readUntil(c, /HTTP\/1\.1 \d+[\s\S]*HTTP\/1\.1 \d+ [\s\S]*\}$/), DEADLINE, 'the answers to both requests');
    // The connection stays open (keep-alive): its unread body held nothing once answered.
    await waitUntil(() => http.bodies.held === 0, { timeoutMs: 5000, what: `the bytes of the ${method} body no route read given back (held ${http.bodies.held})` });
  });
}

test('HTTP port – a chunked holder shed for a newcomer is never sent on, though its body then ends cleanly', async (t) => {
  const { hostPort, received } = await recordingHost(t);
  const http = await assembleHttp({ connectors: { bank: { host: '127.0.0.1', port: hostPort, routes: { prefix: '' } } }, bodyBudget: 100_000 });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  const padded = (stan: string, length: number): string => {
    const message = JSON.stringify(purchase(stan));
    return message + ' '.repeat(length - message.length);
  };

  // The holder's whole purchase and padding have come (60,000 bytes), all but the chunked body's terminator.
  const holder = rawHttp(port);
  t.after(() => holder.socket.destroy());
  const held = padded('000021', 60_000);
  holder.socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`
    + `${held.length.toString(16)}\r\n${held}\r\n`);
  await waitUntil(() => http.bodies.held === 60_000, { timeoutMs: DEADLINE, what: `the holder's 60,000 bytes counted (held ${http.bodies.held})` });
  // A newcomer of 45,000 bytes passes the budget: the holder, holding the most, is shed; the newcomer is served.
  const newcomer = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, padded('000022', 45_000));
  assert.equal(newcomer.status, 200, newcomer.body);
  // Then the holder's body ends cleanly: its whole JSON came before it was shed.
  holder.socket.write('0\r\n\r\n');
  await within(readUntil(holder, /\r\n\r\n\{[\s\S]*\}$/), DEADLINE, 'the answer to the holder shed');
  await within(holder.closed, DEADLINE, 'the connection of the holder shed was not closed');
  assert.match(holder.text(), /^HTTP\/1\.1 503 [\s\S]*ISO8583_ERR_CONSOLE_BODY_BUDGET/);
  assert.equal(http.bodies.refused, 1);

  // A purchase sent after it goes on the same connector: the holder's, had it been sent, came to the host before it.
  const next = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify(purchase('000023')));
  assert.equal(next.status, 200, next.body);
  assert.deepEqual(received, ['000022', '000023'], 'the shed holder\'s purchase reached the host');
  await waitUntil(() => http.bodies.held === 0, { timeoutMs: DEADLINE, what: `every body byte given back (held ${http.bodies.held})` });
});

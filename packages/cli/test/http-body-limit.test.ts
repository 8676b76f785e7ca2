// The HTTP port bounds what bodies still arriving can hold: a message route reads at most HTTP_BODY_LIMIT (256 KiB),
// not Fastify's 1 MiB, and a body announced past it is refused 413 on its Content-Length, before a byte of it is read.
// Before, many clients of one address each announcing ~1 MB and stalling were all held, unanswered, for
// --request-timeout (30 s): about 1 GB in a gateway. A body a message can need (a 65,535-byte frame as hex) is still
// read, and a good client is answered. Real parts: the host simulator on a TCP port, the HTTP app on 127.0.0.1.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { answerOf, httpCall, within } from '@iso8583/test-support';
import { assembleHttp } from '../src/http/app.js';
import { HTTP_BODY_LIMIT } from '../src/http/body-limit.js';
import { purchase } from './flow-approvals-bank.js';

/** Clients that each announce a body of ~1 MB and stall after its first bytes. */
const STALLED = 40;
const ANNOUNCED = 1_040_010;

/** The gateway's HTTP app, its routes on `/` to the host simulator on a TCP port; its port. */
async function gatewayHttp(t: TestContext): Promise<number> {
  const simulator = createHostSimulator();
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: simulator });
  const { port: hostPort } = await host.start();
  t.after(() => host.destroy());
  const http = await assembleHttp({ connectors: { bank: { host: '127.0.0.1', port: hostPort, routes: { prefix: '' } } } });
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  t.after(() => http.app.close());
  return port;
}

test('HTTP port – bodies announced past the message routes\' limit are refused 413 unread; a good client is answered', async (t) => {
  const port = await gatewayHttp(t);
  const answers = Array.from({ length: STALLED }, (_, i) => {
    const path = i % 2 === 0 ? '/' : '/raw';
    const client = request({ host: '127.0.0.1', port, method: 'POST', path, agent: false, headers: { 'content-type': 'application/json', 'content-length': ANNOUNCED } });
    client.on('error', () => undefined);
    t.after(() => client.destroy());
    const answered = answerOf(client);
    client.write(`{"hex":"${'00'.repeat(500)}`); // and nothing more: the rest of the body never comes
    return answered;
  });
  // Each is answered long before --request-timeout (30 s): on its Content-Length, nothing of the body read.
  const refused = await within(Promise.all(answers), 10_000, 'the 413s to the bodies announced past the limit');
  for (const answer of refused) {
    assert.equal(answer.status, 413);
    const body = JSON.parse(answer.body) as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
    assert.match(body.errors[0]?.message ?? '', new RegExp(`${HTTP_BODY_LIMIT} bytes \\(bodyLimit\\)`));
  }
  const good = await httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, JSON.stringify(purchase('000001')));
  assert.equal(good.status, 200, good.body);
  assert.equal((JSON.parse(good.body) as { result: Record<string, string> }).result['39'], '00');
});

test('HTTP port – a body a message can need (a 65,535-byte frame as hex, wrapped in JSON) is read, not refused 413', async (t) => {
  const port = await gatewayHttp(t);
  const body = JSON.stringify({ hex: 'ff'.repeat(65_535) });
  assert.ok(Buffer.byteLength(body) < HTTP_BODY_LIMIT);
  const answer = await httpCall(port, 'POST', '/raw', { 'content-type': 'application/json' }, body);
  assert.notEqual(answer.status, 413, answer.body);
  assert.match(answer.body, /ISO8583_ERR_/, 'read, and answered as a message (one that does not decode)');
});

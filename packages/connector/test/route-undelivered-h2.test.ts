// `routes.onUndelivered` over HTTP/2 (Fastify `http2: true`). There the request's socket is Node's proxy of the
// stream, whose `destroyed` is the stream's, and the compatibility response emits 'finish' only once the stream has
// closed (destroyed): every answer the client got was reported `client-gone`, and a reversing handler reversed it.
// The stream's close code tells them apart: 0 for a stream closed in order, NGHTTP2_CANCEL for a client's reset.
import { once } from 'node:events';
import { connect, constants } from 'node:http2';
import type { ClientHttp2Session, ServerHttp2Session } from 'node:http2';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { waitUntil, within } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import type { UndeliveredAnswerHandler } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { holdingPeer } from './helpers/reversals.js';
import type { AfterHook } from './helpers/setup.js';

const DEADLINE = 15_000;

/** The routes (prefix '') over plain HTTP/2 to a bank that answers at once, or holds `held` until the test answers. */
async function app(t: AfterHook, onUndelivered: UndeliveredAnswerHandler, held?: string) {
  const { peer: bank, arrived: atBank } = await holdingPeer(t, held);
  const fastify = Fastify({ http2: true });
  // Each response's close, as the routes see it (this listener is added before theirs: theirs has run when it resolves).
  const closed: Promise<unknown>[] = [];
  fastify.addHook('onRequest', async (_request, reply) => {
    closed.push(once(reply.raw, 'close'));
  });
  await fastify.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: bank.port, routes: { prefix: '', onUndelivered } });
  // The server's side of each HTTP/2 session, for a teardown the server starts.
  const sessions: ServerHttp2Session[] = [];
  fastify.server.on('session', (session: ServerHttp2Session) => sessions.push(session));
  const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
  const session: ClientHttp2Session = connect(url);
  t.after(async () => {
    session.destroy();
    await fastify.close();
  });
  return { bank, atBank, closed, session, sessions };
}

/** A POST / of `body` as JSON on `session`: the client's stream. */
function post(session: ClientHttp2Session, body: string) {
  const stream = session.request({ ':method': 'POST', ':path': '/', 'content-type': 'application/json' });
  stream.end(body);
  return stream;
}

test('routes over HTTP/2 – an answer the client got is not reported undelivered', async (t) => {
  const told: string[] = [];
  const { bank, closed, session } = await app(t, (request, _answer, _upstream, reason) => void told.push(`${String(request['11'])} ${reason}`));
  const stream = post(session, JSON.stringify(purchase('000961')));
  const [headers] = (await within(once(stream, 'response'), DEADLINE, 'no response headers')) as [Record<string, unknown>];
  let text = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => (text += chunk));
  await within(once(stream, 'end'), DEADLINE, 'the response did not end');
  assert.equal(headers[':status'], 200, text);
  assert.match(text, /"39":"00"/);
  await within(closed[0] as Promise<unknown>, DEADLINE, 'the response did not close');
  assert.equal(bank.received.length, 1);
  assert.deepEqual(told, [], 'an approval the client got was handed over as undelivered (a gateway would reverse it)');
});

test('routes over HTTP/2 – a client that cancels its stream before its answer is reported undelivered (client-gone)', async (t) => {
  const told: string[] = [];
  const { bank, atBank, closed, session } = await app(t, (request, _answer, _upstream, reason) => void told.push(`${String(request['11'])} ${reason}`), '000962');
  const stream = post(session, JSON.stringify(purchase('000962')));
  stream.on('error', () => undefined);
  const first = await within(atBank, DEADLINE, 'the bank did not get the purchase');
  stream.close(constants.NGHTTP2_CANCEL);
  await within(closed[0] as Promise<unknown>, DEADLINE, 'the server did not see the stream cancelled');
  bank.send(first.socket, answer(first.message));
  await waitUntil(() => told.length > 0, { what: 'the approval of a cancelled stream to be reported undelivered' });
  assert.deepEqual(told, ['000962 client-gone']);
});

test('routes over HTTP/2 – a session the server tears down before the answer is reported undelivered (client-gone)', async (t) => {
  const told: string[] = [];
  const { bank, atBank, closed, session, sessions } = await app(t, (request, _answer, _upstream, reason) => void told.push(`${String(request['11'])} ${reason}`), '000963');
  session.on('error', () => undefined);
  const stream = post(session, JSON.stringify(purchase('000963')));
  stream.on('error', () => undefined);
  const first = await within(atBank, DEADLINE, 'the bank did not get the purchase');
  assert.equal(sessions.length, 1);
  // The server ends the session itself (a restart's teardown, a proxy's GOAWAY): its streams close with code 0.
  (sessions[0] as ServerHttp2Session).destroy();
  await within(closed[0] as Promise<unknown>, DEADLINE, 'the server did not see its session torn down');
  bank.send(first.socket, answer(first.message));
  await waitUntil(() => told.length > 0, { what: 'the approval of a torn-down session to be reported undelivered' });
  assert.deepEqual(told, ['000963 client-gone']);
  assert.equal(bank.received.length, 1);
});

// The HTTP routes over a target of another dialect (a group's 1993 upstream behind a 1987 plugin connector): an
// answer is written in the dialect of the connector that answered, and one that cannot be written after the host
// answered goes to `onUndelivered` once (502 ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE), never twice. Real peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { createCodec, responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { iso8583Connector } from '../src/index.js';
import type { Connector, Iso8583RoutesOptions, RouteTarget, UndeliveredAnswerHandler } from '../src/index.js';
import { answer } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector, peerFor } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** A 1200 whose fields mean the same in the 1987 and 1993 layouts (so its 1987 hex reads as the 1993 bank needs). */
function purchase(stan: string): IsoMessage {
  return { '0': '1200', '2': '5555555555554444', '3': '000000', '4': '000000004200', '11': stan, '41': 'TERM9301', '49': '840' };
}

/** The 1993 approval (action code 000) of `request`. */
function approval93(request: IsoMessage): IsoMessage {
  return { ...answer(request, { '39': '000', '38': 'A93000' }), '0': responseMti(String(request['0']))! };
}

/**
 * A 1987 plugin connector whose routes send through `target(c93)`, `c93` a connector to a 1993 bank that answers at
 * once, or holds a request until `answerHeld` when `hold` is set. `onUndelivered` calls are recorded; `hooks` adds
 * the test's hooks before the app listens.
 */
async function mixed(t: AfterHook, routes: Omit<Iso8583RoutesOptions, 'via' | 'onUndelivered'>, target: (c93: Connector) => RouteTarget, hold = false, hooks: (app: FastifyInstance) => void = () => undefined) {
  const bank87 = await peerFor(t);
  const held: Received[] = [];
  let heldOne: (r: Received) => void = () => undefined;
  const { peer: bank93, connector: c93 } = await peerAndConnector(t, (r, p) => {
    if (!hold) return p.send(r.socket, approval93(r.message));
    held.push(r);
    heldOne(r);
  }, { dialect: 'iso93ascii' }, { dialect: 'iso93ascii' });
  const undelivered: Parameters<UndeliveredAnswerHandler>[] = [];
  let told: () => void = () => undefined;
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'bank87', host: '127.0.0.1', port: bank87.port,
    routes: { ...routes, via: () => target(c93), onUndelivered: (...args) => {
      undelivered.push(args);
      told();
    } },
  });
  hooks(app);
  const address = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  t.after(() => app.close());
  return {
    app, address, bank93, undelivered,
    nextUndelivered: () => new Promise<void>((resolve) => (told = resolve)),
    nextHeld: () => new Promise<Received>((resolve) => (heldOne = resolve)),
    answerHeld: (r: Received) => bank93.send(r.socket, approval93(r.message)),
  };
}

/** A target that never tells `answeredBy` which connector answered (the routes take it for their own). */
const silent = (c93: Connector): RouteTarget => ({
  request: (message: IsoMessage, options?: { timeout?: number }) => c93.request(message, { timeout: options?.timeout }),
  sendMessage: (input: string) => c93.sendMessage(input),
}) as unknown as RouteTarget;

const hex87 = (message: IsoMessage): string => createCodec('iso87ascii').pack(message).toString('hex');

test('routes – the SocketQueue view of a 1993 answer types its fields by the 1993 dialect (39 n3: the number 0)', async (t) => {
  const { address } = await mixed(t, { answers: 'socketqueue' }, (c93) => c93);
  const res = await fetch(new URL('/', address), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(purchase('000701')) });
  const body = (await res.json()) as { result: Record<string, unknown> };
  assert.equal(res.status, 200);
  assert.equal(body.result['0'], '1210');
  assert.equal(body.result['39'], 0, 'action code: numeric in 1993 (a 1987 field 39 is an: it stayed "000")');
});

test('routes – POST /raw whose answer cannot be packed: 502 ANSWER_UNWRITABLE naming field 39, onUndelivered once with the approval', async (t) => {
  const { address, undelivered } = await mixed(t, {}, silent);
  const res = await fetch(new URL('/raw', address), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: hex87(purchase('000702')) });
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  assert.equal(res.status, 502);
  assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_ANSWER_UNWRITABLE');
  assert.match(body.errors[0]?.message ?? '', /field 39/);
  assert.doesNotMatch(JSON.stringify(body), /5555555555554444/, 'no PAN in the error');
  assert.equal(undelivered.length, 1);
  const [request, approval, upstream] = undelivered[0]!;
  assert.equal(request['11'], '000702');
  assert.equal(approval['39'], '000');
  assert.equal(upstream.name, 'bank87', 'a target that does not tell: the routes\' own connector');
  assert.equal(undelivered[0]![3], 'unwritable');
});

test('routes – an unwritable answer whose client is gone too: onUndelivered once, not again for the error answer', async (t) => {
  let sent: () => void = () => undefined;
  let abort: () => void = () => undefined;
  const errorSent = new Promise<void>((resolve) => (sent = resolve));
  const aborted = new Promise<void>((resolve) => (abort = resolve));
  const m = await mixed(t, {}, silent, true, (app) => {
    // The server has seen the client go: its response's connection closed.
    app.addHook('onRequest', async (_request, reply) => void reply.raw.once('close', () => abort()));
    // The error answer's send: a second report (a watch on it) would come before it.
    app.addHook('onSend', async (_request, _reply, payload) => {
      sent();
      return payload;
    });
  });
  const text = hex87(purchase('000703'));
  const socket = connect({ host: m.address.hostname, port: Number(m.address.port) });
  socket.on('error', () => undefined);
  const atBank = m.nextHeld();
  socket.write(`POST /raw HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
  const held = await atBank;
  socket.destroy();
  await aborted;
  const reported = m.nextUndelivered();
  m.answerHeld(held);
  await reported;
  await errorSent;
  assert.equal(m.undelivered.length, 1);
  assert.equal(m.undelivered[0]![1]['39'], '000');
  assert.equal(m.undelivered[0]![3], 'unwritable', 'not reported as client-gone by a watch on the error answer');
});

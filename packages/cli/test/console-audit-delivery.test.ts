// The console's send line judges "answered" as the money path judges "delivered" (sr69r #1, #2): one home, the
// connector's deliveredAtFinish. A send whose connection is destroyed while its answer is written (Node still emits
// 'finish') is handed to the undelivered answers' handler as client-gone (its approval reversed), and its line says
// `gone`, never `answered (200)`; a send answered through a stand-in socket (`app.inject`, where the response closes
// with `writableFinished` false) is `answered`, never reported gone. Real parts: the host simulator on a TCP port, a
// connector, the console on a real HTTP port.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createConnector } from '@iso8583/connector';
import type { UndeliveredAnswerReason } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { waitUntil } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { mountConsole } from '../src/console/routes.js';
import { CONSOLE_SEND_CODE } from '../src/console/audit.js';
import { purchase } from './flow-approvals-bank.js';

/** The console (send on) in front of a connector to the host simulator; its log lines and the undelivered answers' reasons. */
async function consoleOverSimulator(t: TestContext, before: (app: FastifyInstance) => void): Promise<{ app: FastifyInstance; lines: Record<string, unknown>[]; handed: UndeliveredAnswerReason[] }> {
  const simulator = createHostSimulator();
  const host = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: simulator });
  const { port } = await host.start();
  t.after(() => host.destroy());
  const bank = createConnector({ host: '127.0.0.1', port });
  t.after(() => bank.destroy());
  await bank.connect();
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const handed: UndeliveredAnswerReason[] = [];
  const app = fastify();
  before(app);
  mountConsole(app, { ring: new TransactionRing(), source: { connectors: () => ({}) }, send: true, targets: () => ({ upstream: bank }), undelivered: (_request, _answer, _upstream, reason) => void handed.push(reason) }, logger);
  t.after(() => app.close());
  return { app, lines, handed };
}

test('console audit – a send whose connection is destroyed while its answer is written is gone in its line, as its approval is client-gone (sr69r #1)', async (t) => {
  const { app, lines, handed } = await consoleOverSimulator(t, (app) => {
    // The connection goes the moment the response is handed to it: Node ends the response's writes and emits 'finish'.
    app.addHook('onRequest', async (_request, reply) => {
      const res = reply.raw;
      const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
      res.end = ((...args: unknown[]) => {
        const ended = end(...args);
        res.socket?.destroy();
        return ended;
      }) as typeof res.end;
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const body = JSON.stringify({ upstream: 'upstream', message: purchase('000051') });
  const client = request({ host: '127.0.0.1', port: (app.server.address() as { port: number }).port, method: 'POST', path: '/console/api/send', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  client.on('error', () => undefined);
  client.on('response', (res) => res.resume().on('error', () => undefined));
  client.end(body);

  await waitUntil(() => handed.length === 1, { what: 'the answer to be handed to the undelivered answers\' handler', timeoutMs: 10_000 });
  assert.deepEqual(handed, ['client-gone'], 'the money path takes the approval for undelivered');
  const line = await waitUntil(() => lines.find((l) => l.code === CONSOLE_SEND_CODE), { what: 'the send\'s line', timeoutMs: 10_000 });
  assert.equal(line.outcome, 'gone', JSON.stringify(line));
  assert.equal(line.status, undefined);
  assert.equal(line.responseCode, '00');
  assert.equal(lines.filter((l) => l.code === CONSOLE_SEND_CODE).length, 1, 'one line');
  assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/, 'no card number logged');
});

test('console audit – a send answered through a stand-in socket (app.inject) is answered, never gone (sr69r #2)', async (t) => {
  const { app, lines, handed } = await consoleOverSimulator(t, () => undefined);
  const res = await app.inject({ method: 'POST', url: '/console/api/send', payload: { upstream: 'upstream', message: purchase('000052') } });
  assert.equal(res.statusCode, 200, res.body);
  const line = await waitUntil(() => lines.find((l) => l.code === CONSOLE_SEND_CODE), { what: 'the send\'s line', timeoutMs: 10_000 });
  assert.equal(line.outcome, 'answered', JSON.stringify(line));
  assert.equal(line.status, 200);
  assert.equal(line.responseCode, '00');
  assert.deepEqual(handed, [], 'nothing reported undelivered');
});

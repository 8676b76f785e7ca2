// The console's workbench send moves money as the HTTP routes do: a send whose page goes away while it still waits
// (here behind its terminal's first request, with the per-terminal queue on) is dropped unsent
// (ISO8583_ERR_CONNECTOR_ABORTED, never sent to the host), never sent and approved after the page left. Real parts:
// a TCP host that holds the terminal's first purchase, a connector with its terminal queue, the console on a real
// HTTP port, a raw HTTP client that goes away. Its log line names the send by MTI, STAN and terminal, as POST / does;
// its console audit line says it is gone, with the error's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import fastify from 'fastify';
import { pino } from 'pino';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { waitUntil, within } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { mountConsole } from '../src/console/routes.js';
import { gate, purchase } from './flow-approvals-bank.js';

test('console send – a send still waiting for its terminal\'s turn when its page goes away is dropped unsent', async (t) => {
  const firstHeld = gate();
  const release = gate();
  const reached: unknown[] = [];
  const simulator = createHostSimulator();
  const host = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: async (m, context) => {
      reached.push(m.fields['11']);
      if (m.fields['11'] === '000001') {
        firstHeld.open();
        await release.opened;
      }
      return simulator(m, context);
    },
  });
  const { port } = await host.start();
  t.after(() => host.destroy());
  const bank = createConnector({ host: '127.0.0.1', port, terminalQueue: { enabled: true } });
  t.after(() => bank.destroy());
  await bank.connect();

  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const app = fastify();
  mountConsole(app, { ring: new TransactionRing(), source: { connectors: () => ({}) }, send: true, targets: () => ({ upstream: bank }) }, logger);
  const serverSide: Socket[] = [];
  app.server.on('connection', (socket: Socket) => serverSide.push(socket));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());

  // The terminal's first purchase, held at the host.
  const first = bank.request(purchase('000001'));
  await within(firstHeld.opened, 10_000, 'the first purchase to reach the host');

  // The workbench's purchase of the same terminal waits behind it; then its page goes away.
  const body = JSON.stringify({ upstream: 'upstream', message: purchase('000002') });
  const client = request({ host: '127.0.0.1', port: (app.server.address() as { port: number }).port, method: 'POST', path: '/console/api/send', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  client.on('error', () => undefined);
  client.end(body);
  await waitUntil(() => bank.stats().pending === 1, { what: 'the workbench\'s purchase to wait for its terminal\'s turn', timeoutMs: 10_000 });
  const server = serverSide[0] as Socket;
  const gone = new Promise<void>((resolve) => (server.destroyed ? resolve() : server.once('close', () => resolve())));
  client.destroy();
  await within(gone, 10_000, 'the server to see the page\'s connection close');

  const dropped = await waitUntil(() => lines.find((l) => l.code === 'ISO8583_ERR_CONNECTOR_ABORTED'), { what: 'the send to be dropped unsent', timeoutMs: 10_000 });
  assert.match(String(dropped.msg), /never sent to the host/);
  // The line names the send as POST / names its own (the codec's log-safe keys): not its MTI alone.
  assert.deepEqual([dropped.mti, dropped.stan, dropped.terminal], ['0200', '000002', 'TERM0001'], 'the dropped line has MTI, STAN and terminal');
  assert.equal(bank.stats().pending, 0, 'nothing left waiting');
  // The send's audit line names the error its handler ended with, though the page had gone first (sr69r #3).
  const audit = await waitUntil(() => lines.find((l) => l.code === 'ISO8583_INFO_CONSOLE_SEND'), { what: 'the send\'s line', timeoutMs: 10_000 });
  assert.deepEqual([audit.outcome, audit.error, audit.stan], ['gone', 'ISO8583_ERR_CONNECTOR_ABORTED', '000002'], JSON.stringify(audit));

  // The first is answered; nothing follows it to the host.
  release.open();
  assert.equal((await first)['39'], '00');
  await waitUntil(() => bank.stats().inFlight === 0 && bank.stats().pending === 0, { what: 'the connector to be idle', timeoutMs: 10_000 });
  assert.deepEqual(reached, ['000001'], 'only the first purchase reached the host');
  assert.doesNotMatch(JSON.stringify(lines), /4111111111111111/, 'no card number logged');
});

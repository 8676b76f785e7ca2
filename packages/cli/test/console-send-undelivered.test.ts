// The console's workbench send (--console-send) moves money: an approval whose page went away before the answer was
// written is handed to the server's one handler of undelivered answers (late-approval.ts) and reversed at the host,
// as the HTTP routes' are. Real parts: the host simulator on a TCP port, a connector with its journal, a raw HTTP client
// that aborts while the host holds the approval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastify from 'fastify';
import { pino } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import type { Connector, UndeliveredAnswerReason } from '@iso8583/connector';
import { FileJournal, createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { waitUntil, within } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { mountConsole } from '../src/console/routes.js';
import { assembleHttp } from '../src/http/app.js';
import { httpUndelivered, undeliveredApproval } from '../src/gateway/late-approval.js';
import { gate, purchase } from './flow-approvals-bank.js';

const PAN = '4111111111111111';

test('console send – an approval whose page went away before it was written is reversed at the host simulator', async (t) => {
  const simulator = createHostSimulator();
  const approvalHeld = gate();
  const release = gate();
  let reversal: (m: IsoMessage) => void = () => undefined;
  const reversed = new Promise<IsoMessage>((resolve) => (reversal = resolve));
  // The real simulator books and answers; its answer to the purchase waits until the page has gone.
  const host = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: async (m, context) => {
      if (m.mti === '0200') {
        approvalHeld.open();
        await release.opened;
      }
      if (m.mti === '0400' || m.mti === '0401') reversal(m.fields);
      return simulator(m, context);
    },
  });
  const { port } = await host.start();
  t.after(() => host.destroy());
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-console-send-'));
  const bank = createConnector({ host: '127.0.0.1', port, reversal: { enabled: true, journal: new FileJournal(dir) } });
  t.after(async () => {
    await bank.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  await bank.connect();

  const logger = pino({ level: 'silent' });
  const app = fastify();
  // As the gateway wires it: the routes' handler (late-approval.ts, the one home of reversing what a client never got).
  mountConsole(app, {
    ring: new TransactionRing(),
    source: { connectors: () => ({}) },
    send: true,
    targets: () => ({ upstream: bank }),
    undelivered: httpUndelivered(undeliveredApproval({ connector: bank, logger })),
  }, logger);
  const serverSide: Socket[] = [];
  app.server.on('connection', (socket: Socket) => serverSide.push(socket));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());

  const body = JSON.stringify({ upstream: 'upstream', message: purchase('000042') });
  const client = request({ host: '127.0.0.1', port: (app.server.address() as { port: number }).port, method: 'POST', path: '/console/api/send', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  client.on('error', () => undefined);
  client.end(body);
  await within(approvalHeld.opened, 10_000, 'the purchase to reach the host');
  // The page goes away while the host holds its approval; the host answers once the server has seen it go.
  const server = serverSide[0] as Socket;
  const gone = new Promise<void>((resolve) => (server.destroyed ? resolve() : server.once('close', () => resolve())));
  client.destroy();
  await within(gone, 10_000, 'the server to see the page\'s connection close');
  release.open();

  const reversal0400 = await within(reversed, 10_000, 'the reversal of the approval the page never got to reach the host');
  assert.equal(reversal0400['11'] !== undefined, true);
  assert.equal(reversal0400['4'], '000000001000', 'the amount approved');
  // The simulator answers the reversal: the cardholder's money is back.
  await waitUntil(() => simulator.balanceOf(PAN) === 1_000_000, { what: 'the host to undo the purchase', timeoutMs: 10_000 });
});

test('console send – the HTTP app hands the workbench\'s undelivered answers to its routes\' handler (the gateway\'s wiring)', async (t) => {
  const approvalHeld = gate();
  const release = gate();
  const host = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: async (m, context) => {
      approvalHeld.open();
      await release.opened;
      return createHostSimulator()(m, context);
    },
  });
  const { port } = await host.start();
  t.after(() => host.destroy());
  const handed: { stan: unknown; code: unknown; reason: UndeliveredAnswerReason; upstream: Connector }[] = [];
  const told = gate();
  let connectors: Record<string, Connector> = {};
  const http = await assembleHttp({
    connectors: {
      upstream: {
        host: '127.0.0.1',
        port,
        routes: {
          prefix: '',
          onUndelivered: (request, answer, upstream, reason) => {
            handed.push({ stan: request['11'], code: answer['39'], reason, upstream });
            told.open();
          },
        },
      },
    },
    // No handler of its own: the routes' is the one.
    console: { ring: new TransactionRing(), source: { connectors: () => connectors }, send: true, targets: () => ({ upstream: connectors.upstream as Connector }) },
  });
  connectors = http.connectors;
  const serverSide: Socket[] = [];
  http.app.server.on('connection', (socket: Socket) => serverSide.push(socket));
  const address = await http.listen('127.0.0.1', 0, '--http-port');
  t.after(() => http.app.close());

  const body = JSON.stringify({ message: purchase('000043') });
  const client = request({ host: '127.0.0.1', port: address.port, method: 'POST', path: '/console/api/send', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  client.on('error', () => undefined);
  client.end(body);
  await within(approvalHeld.opened, 10_000, 'the purchase to reach the host');
  const server = serverSide[0] as Socket;
  const gone = new Promise<void>((resolve) => (server.destroyed ? resolve() : server.once('close', () => resolve())));
  client.destroy();
  await within(gone, 10_000, 'the server to see the page\'s connection close');
  release.open();
  await within(told.opened, 10_000, 'the routes\' handler to be told of the answer the page never got');
  assert.deepEqual(handed.map((h) => [h.stan, h.code, h.reason]), [['000043', '00', 'client-gone']]);
  assert.equal(handed[0]?.upstream, connectors.upstream, 'the connector whose host answered');
});

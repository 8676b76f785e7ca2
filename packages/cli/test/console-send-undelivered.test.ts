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
import { FileJournal, createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { waitUntil, within } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { mountConsole } from '../src/console/routes.js';
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

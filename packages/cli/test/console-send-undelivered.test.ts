// The console's workbench send (--console-send) moves money: an approval whose page went away before the answer was
// written is handed to the server's one handler of undelivered answers (late-approval.ts) and reversed at the host,
// as the HTTP routes' are. Real parts: the host simulator on a TCP port, a connector with its journal, a raw HTTP client
// that aborts while the host holds the approval.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastify from 'fastify';
import { pino } from 'pino';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import type { Connector, RouteTarget, SendOptions, UndeliveredAnswerReason } from '@iso8583/connector';
import { FileJournal, createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { HostSimulator, InboundMessage } from '@iso8583/inbound';
import { answerOf, waitUntil, within } from '@iso8583/test-support';
import { TransactionRing } from '../src/index.js';
import { mountConsole } from '../src/console/routes.js';
import { assembleHttp } from '../src/http/app.js';
import { httpUndelivered, undeliveredApproval } from '../src/gateway/late-approval.js';
import { gate, purchase } from './flow-approvals-bank.js';

const PAN = '4111111111111111';

/** Resolved when `res` (the server's response) has closed, at once if it has already. */
function closed(res: ServerResponse | undefined): Promise<void> {
  assert.ok(res !== undefined, 'the server saw the request');
  return new Promise<void>((resolve) => (res.closed ? resolve() : res.once('close', () => resolve())));
}

/**
 * Posts `message` to the console's send route on `port` from a page that goes away while the host holds the purchase:
 * once `atHost` resolves, the page's connection is destroyed. Resolves once the server's side of it (the first of
 * `serverSide`, the server's sockets) has closed; `gone` is that close.
 */
async function pageGoneAtHost(port: number, message: Record<string, unknown>, atHost: Promise<void>, serverSide: Socket[]): Promise<{ gone: Promise<void> }> {
  const body = JSON.stringify(message);
  const client = request({ host: '127.0.0.1', port, method: 'POST', path: '/console/api/send', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  client.on('error', () => undefined);
  client.end(body);
  await within(atHost, 10_000, 'the purchase to reach the host');
  const server = serverSide[0] as Socket;
  const gone = new Promise<void>((resolve) => (server.destroyed ? resolve() : server.once('close', () => resolve())));
  client.destroy();
  await within(gone, 10_000, 'the server to see the page\'s connection close');
  return { gone };
}

/**
 * The host simulator on a TCP port, its sequence running `seen(message)` before it books and answers each message, and
 * the bank: a connector to it with its journal (a fresh folder), connected; all taken down after the test.
 */
async function simulatorBank(t: TestContext, seen: (m: InboundMessage) => void | Promise<void>): Promise<{ simulator: HostSimulator; bank: Connector }> {
  const simulator = createHostSimulator();
  const host = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: async (m, context) => {
      await seen(m);
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
  return { simulator, bank };
}

test('console send – an approval whose page went away before it was written is reversed at the host simulator', async (t) => {
  const approvalHeld = gate();
  const release = gate();
  let reversal: (m: IsoMessage) => void = () => undefined;
  const reversed = new Promise<IsoMessage>((resolve) => (reversal = resolve));
  // The real simulator books and answers; its answer to the purchase waits until the page has gone.
  const { simulator, bank } = await simulatorBank(t, async (m) => {
    if (m.mti === '0200') {
      approvalHeld.open();
      await release.opened;
    }
    if (m.mti === '0400' || m.mti === '0401') reversal(m.fields);
  });

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

  // The page goes away while the host holds its approval; the host answers once the server has seen it go.
  await pageGoneAtHost((app.server.address() as { port: number }).port, { upstream: 'upstream', message: purchase('000042') }, approvalHeld.opened, serverSide);
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
  const responses: ServerResponse[] = [];
  http.app.server.on('request', (_req: IncomingMessage, res: ServerResponse) => responses.push(res));
  const address = await http.listen('127.0.0.1', 0, '--http-port');
  t.after(() => http.app.close());

  const { gone } = await pageGoneAtHost(address.port, { message: purchase('000043') }, approvalHeld.opened, serverSide);
  release.open();
  await within(told.opened, 10_000, 'the routes\' handler to be told of the answer the page never got');
  // Only once both the response and its connection have closed could a second hand-over have come: then, exactly one.
  await within(Promise.all([closed(responses[0]), gone]), 10_000, 'the response and its connection to close');
  // And a request answered after them: the server has turned its loop past anything the send left to run.
  assert.equal((await fetch(`http://127.0.0.1:${address.port}/console`)).status, 200);
  assert.deepEqual(handed.map((h) => [h.stan, h.code, h.reason]), [['000043', '00', 'client-gone']]);
  assert.equal(handed[0]?.upstream, connectors.upstream, 'the connector whose host answered');
});

/** The bank (the host simulator behind a connector with its journal) and the console sending to `target(bank)`. */
async function consoleAtBank(t: TestContext, target: (bank: Connector) => RouteTarget) {
  const reversals: IsoMessage[] = [];
  const reversed = gate();
  const { simulator, bank } = await simulatorBank(t, (m) => {
    if (m.mti === '0400' || m.mti === '0401') {
      reversals.push(m.fields);
      reversed.open();
    }
  });
  const logger = pino({ level: 'silent' });
  const handed: { stan: unknown; reason: UndeliveredAnswerReason }[] = [];
  const reverse = httpUndelivered(undeliveredApproval({ connector: bank, logger }));
  const app = fastify();
  mountConsole(app, {
    ring: new TransactionRing(),
    source: { connectors: () => ({}) },
    send: true,
    targets: () => ({ upstream: target(bank) }),
    undelivered: (request, answer, upstream, reason) => {
      handed.push({ stan: request['11'], reason });
      reverse(request, answer, upstream, reason);
    },
  }, logger);
  const sockets: Socket[] = [];
  app.server.on('connection', (socket: Socket) => sockets.push(socket));
  const responses: ServerResponse[] = [];
  app.server.on('request', (_req: IncomingMessage, res: ServerResponse) => responses.push(res));
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(() => app.close());
  /** Sends `stan`'s purchase, reads the whole answer, then closes the connection; resolves when the server saw both close. */
  const send = async (stan: string): Promise<{ status: number; text: string }> => {
    const body = JSON.stringify({ upstream: 'upstream', message: purchase(stan) });
    const client = request({ host: '127.0.0.1', port: (app.server.address() as { port: number }).port, method: 'POST', path: '/console/api/send', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    client.on('error', () => undefined);
    const read = answerOf(client);
    client.end(body);
    const { status, body: text } = await within(read, 10_000, 'the whole answer to reach the page');
    const server = sockets[0] as Socket;
    const gone = new Promise<void>((resolve) => (server.destroyed ? resolve() : server.once('close', () => resolve())));
    client.destroy();
    await within(Promise.all([closed(responses[0]), gone]), 10_000, 'the response and its connection to close');
    return { status, text };
  };
  return { simulator, reversals, reversed: reversed.opened, handed, send };
}

test('console send – an answer the page read whole, then closed its connection, is not handed over (no reversal)', async (t) => {
  const bank = await consoleAtBank(t, (connector) => connector);
  const { status, text } = await bank.send('000044');
  assert.equal(status, 200);
  assert.match(text, /"id":"39"[^}]*"value":"00"/, 'the approval reached the page');
  assert.deepEqual(bank.handed, [], 'delivered: nothing handed over');
  assert.deepEqual(bank.reversals, [], 'no reversal at the host');
  assert.equal(bank.simulator.balanceOf(PAN), 999_000, 'the purchase stays booked');
});

test('console send – an approval whose rows cannot be written is handed over once, as unwritable, and reversed', async (t) => {
  // A target of the server's own (a RouteTarget): the real connector answers; the answer it returns holds a field
  // (44) no row can be made of.
  const bank = await consoleAtBank(t, (connector) => ({
    request: (async (message: MessageInput, options?: SendOptions) => ({ ...(await connector.request(message, options)), '44': null })) as unknown as RouteTarget['request'],
    sendMessage: connector.sendMessage.bind(connector),
  }));
  const { status, text } = await bank.send('000045');
  assert.equal(status, 500);
  assert.doesNotMatch(text, new RegExp(PAN), 'no card number in the failure');
  await within(bank.reversed, 10_000, 'the reversal of the approval the page never got to reach the host');
  assert.deepEqual(bank.handed, [{ stan: '000045', reason: 'unwritable' }], 'handed over exactly once');
  await waitUntil(() => bank.simulator.balanceOf(PAN) === 1_000_000, { what: 'the host to undo the purchase', timeoutMs: 10_000 });
});

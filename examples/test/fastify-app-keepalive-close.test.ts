/**
 * examples/fastify-app's close ends promptly with a keep-alive HTTP client connected whose request was in flight when
 * the close began: the app sets `forceCloseConnections: true` (docs/connector.md), so that connection is cut at the
 * close, not left open after its answer until Fastify's `keepAliveTimeout` (72 s), holding the connector's close
 * (its requests, journal) as long. The bank holds the request until the close has begun: gates, no delays; the bound
 * below is a deadline (well under 72 s), not a timing assertion.
 */
import { test } from 'node:test';
import { Agent, request as httpRequest } from 'node:http';
import { rmSync } from 'node:fs';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { buildApp } from '../fastify-app.js';
import { gate, journalFolder } from './late-bank.js';

test('the Fastify app closes promptly with a keep-alive client whose request was in flight at the close', async (t) => {
  const simulator = createHostSimulator();
  const atBank = gate();
  const release = gate();
  const sequence: Sequence = async (message, context) => {
    if (message.mti === '0100') {
      atBank.open();
      await release.promise;
    }
    return simulator(message, context);
  };
  const bank = createInboundEndpoint({ name: 'bank', port: 0, sequence });
  const port = (await bank.start()).port;
  const journalDir = journalFolder();
  const app = await buildApp({ bankPort: port, journalDir });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(async () => {
    release.open();
    agent.destroy();
    await app.close();
    await bank.close({ deadline: 1000 });
    rmSync(journalDir, { recursive: true, force: true });
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  // A balance inquiry (no money moves) on a keep-alive connection; cut by the close or answered, either is fine here.
  const answered = new Promise<void>((resolve) => {
    const req = httpRequest(`${base}/balance/TERM0001`, { agent }, (res) => {
      res.resume();
      res.on('end', resolve);
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
  await within(atBank.promise, 10_000, 'the bank never got the inquiry');
  const closed = app.close();
  release.open();
  await answered;
  await within(closed, 30_000, 'app.close() did not end within 30 s with a keep-alive client connected (Fastify\'s keepAliveTimeout is 72 s)');
});

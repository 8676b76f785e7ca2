/**
 * examples/fastify-app's close ends promptly with a keep-alive HTTP client connected whose purchase was in flight when
 * the close began, and that purchase is answered 200, never cut nor reversed: the plugin's last answer on a connection
 * while the app closes says `Connection: close` (plugin-route-errors.ts), so the connection ends after it, not at
 * Fastify's `keepAliveTimeout` (72 s). Was: the example set `forceCloseConnections: true`, which cut the purchase in
 * flight at the close (the client got "other side closed", the bank a reversal: a sale lost at every deploy). The
 * bank holds the purchase until the close has begun: gates, no delays; the bound below is a deadline (well under
 * 72 s), not a timing assertion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { rmSync } from 'node:fs';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { buildApp } from '../fastify-app.js';
import { LATE_PAN, gate, journalFolder } from './late-bank.js';

test('the Fastify app answers a keep-alive client\'s purchase in flight at the close 200, reverses nothing, and closes promptly', async (t) => {
  const simulator = createHostSimulator();
  const atBank = gate();
  const release = gate();
  const seen: string[] = [];
  const sequence: Sequence = async (message, context) => {
    seen.push(message.mti);
    if (message.mti === '0200') {
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
  // A purchase on a keep-alive connection: it must be answered, not cut.
  const answered = new Promise<{ status: number; headers: Record<string, unknown>; body: string } | Error>((resolve) => {
    const body = JSON.stringify({ '0': '0200', '2': LATE_PAN, '3': '000000', '4': '2500', '11': '000031', '14': '3012', '41': 'APPTERM9', '49': '840' });
    const req = httpRequest(`${base}/bank/`, { agent, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', (err) => resolve(err));
    });
    req.on('error', (err) => resolve(err));
    req.end(body);
  });
  await within(atBank.promise, 10_000, 'the bank never got the purchase');
  const closed = app.close();
  release.open();
  const got = await answered;
  assert.ok(!(got instanceof Error), `the purchase in flight at the close was cut: ${String(got)}`);
  assert.equal(got.status, 200, got.body);
  assert.equal(got.headers.connection, 'close', 'the last answer while the app closes ends its connection');
  await within(closed, 30_000, 'app.close() did not end within 30 s with a keep-alive client connected (Fastify\'s keepAliveTimeout is 72 s)');
  assert.deepEqual(seen.filter((mti) => mti.startsWith('04')), [], 'no reversal reached the bank');
});

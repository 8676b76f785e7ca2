/**
 * A black-holed database (it takes the TCP connection and never answers): node-postgres's pool counts the
 * connections still being made as busy, so requests beyond `max` were refused as ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT
 * ("all N held by requests of other terminals") where no request held any. Each is the store's failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { PgTerminalLock } from '../src/index.js';

test('a black-holed database: every request beyond max too fails as the store\'s failure, not as a queue timeout', async (t) => {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const lock = new PgTerminalLock({ url: `postgresql://iso8583@127.0.0.1:${port}/blackhole`, waitTimeout: 500, max: 1 });
  t.after(async () => {
    await lock.destroy();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const outcomes = await Promise.allSettled(['TERM0001', 'TERM0002', 'TERM0003'].map((terminal) => lock.hold(terminal, async () => 'sent')));
  assert.deepEqual(
    outcomes.map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : o.status)),
    ['ISO8583_ERR_CONNECTOR_STORE', 'ISO8583_ERR_CONNECTOR_STORE', 'ISO8583_ERR_CONNECTOR_STORE'],
  );
});

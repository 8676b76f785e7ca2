// The console's totals count a group request tried on several upstreams once, by its outcome: they summed each
// upstream's tries (one POST with three upstreams down showed requests 3, errors 3). Real sockets on 127.0.0.1: hosts
// that accept connections and never answer the sign-on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createUpstreamGroup } from '@iso8583/connector';
import { TransactionRing } from '../src/index.js';
import { Figures } from '../src/console/figures.js';

test('console figures – a group request tried on three upstreams is one request, one error in the totals', async (t) => {
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  for (let i = 0; i < 3; i++) {
    const server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  const group = createUpstreamGroup({
    upstreams: servers.map((server, i) => ({
      name: `u${i}`,
      host: '127.0.0.1',
      port: (server.address() as { port: number }).port,
      signOn: true,
      requestTimeout: 300,
      reconnect: { initialDelay: 10, maxDelay: 50 },
      transactionLog: false as const,
    })),
  });
  t.after(async () => {
    await group.destroy();
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });
  await assert.rejects(group.connect());
  const figures = new Figures({ connectors: () => Object.fromEntries(group.connectors), groups: () => [group] }, new TransactionRing());
  const before = figures.tick().totals;
  const purchase = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '11': '630001', '41': 'TERM0001', '49': '840' };
  await assert.rejects(group.request(purchase, { timeout: 20_000 }));
  const after = figures.tick().totals;
  const tries = [...group.connectors.values()].reduce((n, c) => n + c.stats().requests, 0);
  assert.ok(tries - before.requests >= 2, `the request was tried on several upstreams (${tries - before.requests} tries)`);
  assert.equal(after.requests - before.requests, 1, 'one request');
  assert.equal(after.errors - before.errors, 1, 'one error');
  assert.equal(after.timeouts - before.timeouts, 0);
});

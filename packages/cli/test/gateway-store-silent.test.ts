// `iso8583 gateway --store URL` whose database takes the connection and never answers (a TCP relay in front of a real
// PostgreSQL server that passes the start-up and authentication, then nothing): the start fails with the store's code
// (`ISO8583_ERR_CONNECTOR_STORE`) within the pool's connect timeout (5 s), the process exits 1, the URL and password in
// none of its output. It failed with Fastify's uncoded `FST_ERR_HOOK_TIMEOUT` (the HTTP app's 10 s wait for its
// hooks), and the process then never exited: the migration's connection, unbounded on purpose, held it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPostgres, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** The protocol's simple Query message type: the relay goes silent from the first one (after the start-up). */
const QUERY = 'Q'.charCodeAt(0);

test('a --store that takes the connection and never answers fails the start coded, naming neither URL nor password', async (t) => {
  const url = new URL(cluster.createDatabase('silent_store'));
  const target = Number(url.port);
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const server = net.connect(target, '127.0.0.1');
    sockets.add(client).add(server);
    let silent = false;
    let startup = true; // the first message (the start-up) has no type byte
    let pending = Buffer.alloc(0);
    client.on('error', () => undefined);
    server.on('error', () => undefined);
    client.on('close', () => server.destroy());
    // The client's messages, one by one: passed on until the first simple Query, then nothing either way.
    client.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      for (;;) {
        const head = startup ? 0 : 1;
        if (silent || pending.length < head + 4) return;
        const size = head + pending.readInt32BE(head);
        if (pending.length < size) return;
        if (!startup && pending[0] === QUERY) {
          silent = true;
          return;
        }
        startup = false;
        server.write(pending.subarray(0, size));
        pending = pending.subarray(size);
      }
    });
    server.on('data', (d: Buffer) => {
      if (!silent) client.write(d);
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => relay.close(() => resolve()));
  });
  url.port = String((relay.address() as net.AddressInfo).port);
  url.password = 'Sil3ntSecret';
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-store-silent-'));
  // Run in a folder of its own: the transaction log's spill folder is the default journal folder, under it.
  const child = spawn(process.execPath, [BIN, 'gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--store', url.toString()],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
  const code = await within(new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c))), 60_000, 'the gateway to exit after its start failed');
  assert.equal(code, 1, output);
  assert.match(output, /ISO8583_ERR_CONNECTOR_STORE/);
  assert.match(output, /the database did not answer within 5000 ms/);
  assert.doesNotMatch(output, /FST_ERR/);
  assert.doesNotMatch(output, /Sil3ntSecret/);
  assert.doesNotMatch(output, /gateway listening/);
});

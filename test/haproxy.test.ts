/**
 * The two-node deployment of docs/operations.md, as shipped in examples/two-nodes/haproxy.cfg: HAProxy (TCP) in front
 * of two gateway processes on one PostgreSQL store. POS connections are spread over both nodes; when one dies, new
 * connections go to the other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const CONFIG = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'examples', 'two-nodes', 'haproxy.cfg');
const HAPROXY = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();

const work = mkdtempSync(join(tmpdir(), 'iso8583-haproxy-'));
let cluster: PostgresCluster;
let haproxy: ChildProcess | undefined;
before(async () => {
  cluster = await startPostgres();
});
after(async () => {
  haproxy?.kill('SIGKILL');
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe('two gateway nodes behind HAProxy (examples/two-nodes/haproxy.cfg)', { skip: HAPROXY === '' ? 'haproxy is not installed' : false }, () => {
  test('POS connections are spread over both nodes; after one is killed, new connections are served by the other', async () => {
    const url = cluster.createDatabase('haproxy_two_nodes');
    const bank = await startSimulator();
    const flags = ['--upstream', `${bank.host}:${bank.port}`, '--store', url, '--echo-interval', '0', '--log-level', 'warn'];
    const node1 = await startGateway([...flags, '--reversal-journal', join(work, 'node1')]);
    const node2 = await startGateway([...flags, '--reversal-journal', join(work, 'node2')]);
    const pos = await freePort();
    haproxy = spawn(HAPROXY, ['-f', CONFIG, '-db'], {
      env: { ...process.env, POS: `127.0.0.1:${pos}`, NODE1: `${node1.pos.host}:${node1.pos.port}`, NODE2: `${node2.pos.host}:${node2.pos.port}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    haproxy.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    haproxy.once('exit', (code) => (stderr += ` (haproxy exited with ${String(code)})`));
    const first = await waitUntil(
      () => {
        assert.ok(!stderr.includes('haproxy exited'), `haproxy stopped: ${stderr}`);
        return PosClient.open('127.0.0.1', pos);
      },
      { what: 'HAProxy to listen' },
    );
    const second = await PosClient.open('127.0.0.1', pos);
    assert.equal((await first.request(purchase('HAPROXY1', 1, 100)))['39'], '00');
    assert.equal((await second.request(purchase('HAPROXY2', 2, 100)))['39'], '00');
    // leastconn: one connection on each node (each node's POS endpoint counts its own).
    const connections = async (node: { http: { host: string; port: number } }): Promise<number> => {
      const stats = (await (await fetch(`http://${node.http.host}:${node.http.port}/stats`)).json()) as { pos: { connections: number } };
      return stats.pos.connections;
    };
    assert.deepEqual([await connections(node1), await connections(node2)], [1, 1]);

    node1.process.kill('SIGKILL');
    await node1.process.exited;
    let stan = 10;
    const answer = await waitUntil(
      async () => {
        const client = await PosClient.open('127.0.0.1', pos);
        try {
          return await client.request(purchase('HAPROXY3', stan++, 100));
        } finally {
          await client.close().catch(() => undefined);
        }
      },
      { what: 'a new POS connection served through HAProxy by the surviving node' },
    );
    assert.equal(answer['39'], '00');
    await Promise.all([first.close().catch(() => undefined), second.close()]);
  });
});

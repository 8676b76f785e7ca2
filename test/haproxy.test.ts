/**
 * The two-node deployment of docs/operations.md, as shipped in examples/two-nodes/haproxy.cfg: HAProxy (TCP) in front
 * of two gateway processes on one PostgreSQL store. POS connections are spread over both nodes; when one dies, new
 * connections go to the other. HAProxy's own view (its stats socket, added by a second configuration file of the
 * test's) says when both nodes have passed a health check and where each connection went: no timing is assumed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reservePort, sharedPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const CONFIG = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'examples', 'two-nodes', 'haproxy.cfg');
const HAPROXY = spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim();

const work = mkdtempSync(join(tmpdir(), 'iso8583-haproxy-'));
let cluster: PostgresCluster;
let haproxy: ChildProcess | undefined;
before(async () => {
  cluster = await sharedPostgres();
});
after(async () => {
  haproxy?.kill('SIGKILL');
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** One row per proxy or server of HAProxy's `show stat`, keyed by its CSV header (`pxname`, `svname`, `scur`, ...). */
function showStat(socket: string): Promise<Record<string, string>[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = connect(socket, () => s.end('show stat\n'));
    s.setEncoding('utf8');
    s.on('data', (d: string) => (text += d));
    s.once('error', reject);
    s.once('close', () => {
      const [head = '', ...rows] = text.split('\n').filter((l) => l !== '');
      const keys = head.replace(/^# /, '').split(',');
      resolve(rows.map((row) => Object.fromEntries(row.split(',').map((v, i) => [keys[i] ?? String(i), v]))));
    });
  });
}

/** The gateway servers' rows of `show stat`, by server name. */
async function servers(socket: string): Promise<Record<string, Record<string, string>>> {
  return Object.fromEntries((await showStat(socket)).filter((r) => r['pxname'] === 'gateways' && r['svname']?.startsWith('node')).map((r) => [r['svname'], r]));
}

describe('two gateway nodes behind HAProxy (examples/two-nodes/haproxy.cfg)', { skip: HAPROXY === '' ? 'haproxy is not installed' : false }, () => {
  test('POS connections are spread over both nodes; after one is killed, new connections are served by the other', async () => {
    const url = cluster.createDatabase('haproxy_two_nodes');
    const bank = await startSimulator();
    const flags = ['--upstream', `${bank.host}:${bank.port}`, '--store', url, '--echo-interval', '0', '--log-level', 'warn'];
    const node1 = await startGateway([...flags, '--reversal-journal', join(work, 'node1')]);
    const node2 = await startGateway([...flags, '--reversal-journal', join(work, 'node2')]);
    // Reserved, not found free: HAProxy listens on it later, by then the system could have handed a free one out.
    const pos = (await reservePort()).port;
    // The shipped file as it is, and a second one of the test's own: HAProxy's stats socket.
    const socket = join(work, 'haproxy.sock');
    const extra = join(work, 'stats.cfg');
    writeFileSync(extra, `global\n  stats socket ${socket} level user\n`);
    haproxy = spawn(HAPROXY, ['-f', CONFIG, '-f', extra, '-db'], {
      env: { ...process.env, POS: `127.0.0.1:${pos}`, NODE1: `${node1.pos.host}:${node1.pos.port}`, NODE2: `${node2.pos.host}:${node2.pos.port}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    haproxy.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    haproxy.once('exit', (code) => (stderr += ` (haproxy exited with ${String(code)})`));
    // Both nodes UP in HAProxy's view, each having passed a health check: until then leastconn may pick only one.
    await waitUntil(
      async () => {
        assert.ok(!stderr.includes('haproxy exited'), `haproxy stopped: ${stderr}`);
        const s = await servers(socket);
        return ['node1', 'node2'].every((n) => s[n]?.['status'] === 'UP' && s[n]?.['check_status'] === 'L4OK') ? true : undefined;
      },
      { what: 'HAProxy to see both nodes up (a health check passed on each)' },
    );
    const first = await PosClient.open('127.0.0.1', pos);
    const second = await PosClient.open('127.0.0.1', pos);
    assert.equal((await first.request(purchase('HAPROXY1', 1, 100)))['39'], '00');
    assert.equal((await second.request(purchase('HAPROXY2', 2, 100)))['39'], '00');
    // leastconn: one connection on each node, in HAProxy's count...
    const current = await servers(socket);
    assert.deepEqual([current['node1']?.['scur'], current['node2']?.['scur']], ['1', '1'], 'connection spread (HAProxy scur of node1, node2)');
    // ...and in each node's own (its POS endpoint; a health check's connection, open for an instant, may add to it).
    const connections = async (node: { http: { host: string; port: number } }): Promise<number> => {
      const stats = (await (await fetch(`http://${node.http.host}:${node.http.port}/stats`)).json()) as { pos: { connections: number } };
      return stats.pos.connections;
    };
    await waitUntil(
      async () => ((await connections(node1)) === 1 && (await connections(node2)) === 1 ? true : undefined),
      { what: 'each node to count one POS connection' },
    );

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

// The two-node sample deployment (examples/two-nodes): HAProxy from its sample config, in front of two real gateway
// processes (the built `iso8583` binary) on one bank simulator. POS purchases and HTTP purchases go through the load
// balancer and reach both nodes; a node stopped with SIGTERM leaves the other to take the new connections. Needs
// `haproxy` (.ci/run installs it when missing); without it the test is skipped and says why.
// The gateways run on their file stores here; with `--store postgresql://...` (the deployment the README describes)
// they share the SAF queue and the transaction log, which the store's own tests cover.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';
import { waitUntil } from './helpers/wait.js';

const CONFIG = join(repoRoot(), 'examples', 'two-nodes', 'haproxy.cfg');
const HAPROXY = ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((p) => spawnSync(p, ['-v']).status === 0)
  ?? (spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim() || undefined);
const skip = HAPROXY === undefined ? 'haproxy is not installed (.ci/run installs it when missing)' : false;

const work = mkdtempSync(join(tmpdir(), 'iso8583-two-nodes-'));
let balancer: ChildProcess | undefined;
after(async () => {
  balancer?.kill('SIGTERM');
  await stopAll();
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

const address = (a: { host: string; port: number }): string => `${a.host}:${a.port}`;

/** GET /stats of a node: how many requests it sent upstream. */
async function upstreamRequests(http: { host: string; port: number }): Promise<number> {
  const stats = (await (await fetch(`http://${address(http)}/stats`)).json()) as { upstream: { requests: number } };
  return stats.upstream.requests;
}

describe('examples/two-nodes: HAProxy in front of two gateway nodes', () => {
  test('the sample config passes `haproxy -c` with its addresses set, and fails the check without them', { skip }, () => {
    const env = {
      ...process.env,
      ISO8583_LB_POS: '127.0.0.1:8583',
      ISO8583_LB_HTTP: '127.0.0.1:8080',
      ISO8583_NODE1_POS: '10.0.0.11:8583',
      ISO8583_NODE2_POS: '10.0.0.12:8583',
      ISO8583_NODE1_HTTP: '10.0.0.11:8080',
      ISO8583_NODE2_HTTP: '10.0.0.12:8080',
    };
    const ok = spawnSync(HAPROXY as string, ['-c', '-f', CONFIG], { env, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const missing = spawnSync(HAPROXY as string, ['-c', '-f', CONFIG], { env: { ...env, ISO8583_NODE2_POS: '' }, encoding: 'utf8' });
    assert.notEqual(missing.status, 0, 'an empty node address is refused');
    assert.match(missing.stderr + missing.stdout, /server/);
  });

  test('POS and HTTP purchases through the balancer reach both nodes; with one node stopped the other takes new connections', { skip }, async () => {
    const bank = await startSimulator([]);
    const upstream = `${bank.host}:${bank.port}`;
    const nodes = await Promise.all(
      ['node1', 'node2'].map((name) => startGateway(['--upstream', upstream, '--reversal-journal', join(work, name), '--log-level', 'warn'])),
    );
    const [node1, node2] = nodes as [(typeof nodes)[number], (typeof nodes)[number]];
    const lb = { pos: await freePort(), http: await freePort() };
    let stderr = '';
    balancer = spawn(HAPROXY as string, ['-db', '-f', CONFIG], {
      env: {
        ...process.env,
        ISO8583_LB_POS: `127.0.0.1:${lb.pos}`,
        ISO8583_LB_HTTP: `127.0.0.1:${lb.http}`,
        ISO8583_NODE1_POS: address(node1.pos),
        ISO8583_NODE2_POS: address(node2.pos),
        ISO8583_NODE1_HTTP: address(node1.http),
        ISO8583_NODE2_HTTP: address(node2.http),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    balancer.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => balancer?.once('exit', (code) => resolve(code)));
    void exited.then(() => (balancer = undefined));

    // Ready when the POS port takes a connection (or fail at once if HAProxy exits).
    const first = await Promise.race([
      waitUntil(() => PosClient.open('127.0.0.1', lb.pos), { what: 'the balancer to accept POS connections', timeoutMs: 10_000 }),
      exited.then((code) => assert.fail(`haproxy exited (${code}): ${stderr}`)),
    ]);

    // Six terminals, each on its own long-lived connection: leastconn spreads them over both nodes.
    const clients = [first, ...(await Promise.all(Array.from({ length: 5 }, () => PosClient.open('127.0.0.1', lb.pos))))];
    const answers = await Promise.all(clients.map((c, i) => c.request(purchase(`LBTERM0${i + 1}`, i + 1, 1000 + i))));
    for (const a of answers) assert.equal(a['39'], '00');
    assert.deepEqual(answers.map((a) => a['41']), ['LBTERM01', 'LBTERM02', 'LBTERM03', 'LBTERM04', 'LBTERM05', 'LBTERM06']);
    const counts = await Promise.all([upstreamRequests(node1.http), upstreamRequests(node2.http)]);
    assert.ok(counts[0] >= 1 && counts[1] >= 1, `both nodes served purchases: ${counts.join(', ')}`);
    assert.equal(counts[0] + counts[1], 6);

    // HTTP through the balancer, round robin: two purchases, one per node.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${lb.http}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(purchase('LBHTTP01', 100 + i, 2500)),
      });
      const body = (await res.json()) as { result: Record<string, string> | null };
      assert.equal(res.status, 200);
      assert.equal(body.result?.['39'], '00');
    }
    const after2 = await Promise.all([upstreamRequests(node1.http), upstreamRequests(node2.http)]);
    assert.equal(after2[0] + after2[1], 8);

    // Node 1 stops (SIGTERM): a new terminal's connection is refused there, retried and sent to node 2.
    await Promise.all(clients.map((c) => c.close()));
    node1.process.kill('SIGTERM');
    assert.equal((await node1.process.exited).code, 0);
    const before = await upstreamRequests(node2.http);
    for (let i = 0; i < 3; i++) {
      const late = await PosClient.open('127.0.0.1', lb.pos);
      const answer = await late.request(purchase(`LBLATE0${i + 1}`, 200 + i, 3000));
      assert.equal(answer['39'], '00');
      await late.close();
    }
    assert.equal(await upstreamRequests(node2.http), before + 3, 'node 2 served every new connection');

    balancer?.kill('SIGTERM');
    await exited;
  });
});

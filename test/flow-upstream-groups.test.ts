/**
 * `iso8583 run` with an upstream group (examples/flows/two-banks.json): the forwarding sequence calls `bank`, a group
 * over the `primary` and `backup` connectors. BIN routing, failover when the primary dies, the group's HTTP routes,
 * its per-upstream stats and metrics; and the checks of a group naming what the flow does not have.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, waitUntil } from '@iso8583/test-support';
import { hostPort, startCli, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';
import { startTwoBanksFlow } from './helpers/two-banks-flow.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-groups-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

interface GroupStats {
  upstreamGroups: { bank: { healthy: string[]; upstreams: Record<string, { state: string; requests: number; responses: number }> } };
}

describe('iso8583 run with upstreamGroups', () => {
  test('a group routes by BIN, fails over when the primary dies, and carries the HTTP routes', async () => {
    const { flow, primary, backup, pos, http } = await startTwoBanksFlow();
    const stats = async (): Promise<GroupStats> => (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as GroupStats;

    const client = await PosClient.open(pos.host, pos.port);
    assert.equal((await client.request(purchase('GROUPS01', 1, 100)))['39'], '00');
    assert.equal((await client.request(purchase('GROUPS01', 2, 100, '5555555555554444')))['39'], '00');
    let s = await stats();
    assert.equal(s.upstreamGroups.bank.upstreams['primary']?.responses, 1, 'a Visa purchase goes to the first healthy (failover)');
    assert.equal(s.upstreamGroups.bank.upstreams['backup']?.responses, 1, 'BIN 5555 is routed to the backup');

    // The HTTP route of the group goes through it too.
    const res = await fetch(`http://${http.host}:${http.port}/bank/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 0: '0800', 11: '000009', 70: '301' }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { result: Record<string, string> }).result['0'], '0810');

    primary.kill('SIGKILL');
    s = await waitUntil(async () => {
      const now = await stats();
      return now.upstreamGroups.bank.upstreams['primary']?.state === 'down' ? now : undefined;
    }, { what: 'the primary seen down' });
    assert.deepEqual(s.upstreamGroups.bank.healthy, ['backup']);
    for (let stan = 10; stan < 15; stan++) assert.equal((await client.request(purchase('GROUPS01', stan, 100)))['39'], '00');
    s = await stats();
    assert.equal(s.upstreamGroups.bank.upstreams['backup']?.responses, 6, 'the backup took the Visa purchases');

    const metrics = await (await fetch(`http://${http.host}:${http.port}/metrics`)).text();
    assert.match(metrics, /iso8583_upstream_up\{upstream="primary"\} 0/);
    assert.match(metrics, /iso8583_upstream_up\{upstream="backup"\} 1/);

    await client.close();
    flow.kill('SIGTERM');
    assert.equal((await flow.exited).code, 0);
    backup.kill();
  });

  test('a group naming an unknown connector, a route to an upstream outside the group, or a name taken by a connector is refused with its path', async () => {
    const file = join(work, 'bad-groups.json');
    writeFileSync(file, JSON.stringify({
      connectors: { a: { host: '127.0.0.1', port: 1 }, b: { host: '127.0.0.1', port: 2 } },
      upstreamGroups: {
        bank: { upstreams: ['a', 'nosuch'], routes: [{ pan: '4', upstream: 'b' }] },
        a: { upstreams: ['b'] },
      },
      inboundEndpoints: { pos: { port: 0, sequence: 'echo' } },
    }, null, 2));
    const run = startCli(['run', file]);
    const exit = await run.exited;
    assert.equal(exit.code, 1);
    const err = run.stderr();
    assert.match(err, /ISO8583_ERR_FLOW_INVALID/);
    assert.match(err, /\/upstreamGroups\/bank\/upstreams\/1.*names no connector/);
    assert.match(err, /\/upstreamGroups\/bank\/routes\/0\/upstream/);
    assert.match(err, /\/upstreamGroups\/a\b.*same name/);
  });
});

describe('iso8583 run: the reversal journal nobody placed', () => {
  test('goes to the per-user state folder under the flow and connector names, not the working folder', async () => {
    const bank = await startSimulator();
    const state = join(work, 'state');
    const file = join(work, 'journaled.json');
    writeFileSync(file, JSON.stringify({
      name: 'journaled',
      connectors: { bank: { host: bank.host, port: bank.port, frame: 'binary2', reversal: { enabled: true } } },
      inboundEndpoints: { pos: { port: 0, frame: 'binary2', sequence: join(repoRoot(), 'examples', 'dist', 'sequences', 'authorise.js') } },
      http: { port: 0 },
    }));
    const flow = startCli(['run', file], { env: { XDG_STATE_HOME: state }, cwd: work });
    const http = hostPort((await flow.waitForLine(/^http listening on (\S+)/))[1] as string);
    await flow.waitForLine(/^flow journaled ready/);
    await waitUntil(async () => {
      const s = (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as { connectors: { bank: { connected: number } } };
      return s.connectors.bank.connected > 0 ? true : undefined;
    }, { what: 'the bank connected' });
    assert.ok(existsSync(join(state, 'iso8583', 'journaled.bank', 'reversals.jsonl')), 'the journal is in $XDG_STATE_HOME/iso8583/journaled.bank');
    assert.ok(!existsSync(join(work, 'reversals.jsonl')));
    flow.kill('SIGTERM');
    assert.equal((await flow.exited).code, 0);
    bank.process.kill();
  });
});

describe('iso8583 run: a start that fails other than by listening', () => {
  test('a sequence name nobody registered is named as such, not as a port that cannot be listened on', async () => {
    const file = join(work, 'unknown-sequence.json');
    writeFileSync(file, JSON.stringify({ inboundEndpoints: { pos: { port: 0, sequence: 'no-such-sequence' } } }));
    const run = startCli(['run', file]);
    assert.equal((await run.exited).code, 1);
    assert.match(run.stderr(), /ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND/);
    assert.doesNotMatch(run.stderr(), /ISO8583_ERR_CLI_LISTEN/);
  });
});

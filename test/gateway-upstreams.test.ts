/**
 * The gateway with several upstreams, end to end with the real binary and several host simulators: failover when the
 * primary dies mid-load (every request exactly one answer), recovery when it returns, round robin, and routing by PAN
 * prefix with one route's upstream down (91, never another network's approval). Three simulators that no test stops
 * are shared by the tests; the one a test kills is its own.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';
import { reservePort, waitUntil } from '@iso8583/test-support';

const work = mkdtempSync(join(tmpdir(), 'iso8583-upstreams-'));
/** Hosts no test stops, shared: each test starts its own gateway in front of them (and its own host to kill). */
let shared: Awaited<ReturnType<typeof startSimulator>>[];

before(async () => {
  shared = await Promise.all([0, 1, 2].map(() => startSimulator(['--balance', '100000000'])));
});

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

interface UpstreamsStats {
  healthy: string[];
  upstreams: Record<string, { state: string; responses: number; requests: number; safDepth: number }>;
}

async function upstreamStats(http: { host: string; port: number }): Promise<UpstreamsStats> {
  return (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as UpstreamsStats;
}

function healthy(http: { host: string; port: number }, names: string[]): Promise<UpstreamsStats> {
  return waitUntil(async () => {
    const s = await upstreamStats(http);
    return names.every((n) => s.healthy.includes(n)) && s.healthy.length === names.length ? s : undefined;
  }, { what: `exactly ${names.join(', ')} healthy` });
}

describe('iso8583 gateway with several upstreams', () => {
  test('failover: the primary dies mid-load, every request gets exactly one answer, the backup takes over, the primary comes back', async () => {
    // It comes back on its port: reserved, or the system could hand it out while the primary is down.
    const primary = await startSimulator(['--balance', '100000000'], (await reservePort()).port);
    const backup = shared[0] as (typeof shared)[number];
    const gw = await startGateway([
      '--upstream', `primary=${primary.host}:${primary.port}`,
      '--upstream', `backup=${backup.host}:${backup.port}`,
      '--request-timeout', '5000',
      // The primary is tried again at least every 250 ms while it is away, so its return below is found at once, not
      // after the default backoff has grown to seconds (its wait depended on it: 2 to 9 s). Each failed try also fails
      // the reversal attempts waiting for its link, repeated after the retry interval: 1 s, not the default 10 s.
      '--reconnect-delay', '50',
      '--reconnect-max-delay', '250',
      '--reversal-retry-interval', '1000',
      '--reversal-journal', join(work, 'failover'),
      '--log-level', 'warn',
    ]);
    await healthy(gw.http, ['primary', 'backup']);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const total = 300;
    const answers: Promise<IsoMessage>[] = [];
    let killed = false;
    for (let stan = 1; stan <= total; stan++) {
      answers.push(client.request(purchase('FAILOVR1', stan, 100)));
      if (stan === 100) {
        // The first hundred answered by the primary, then it dies with the next ones on the way.
        await Promise.all(answers);
      }
      if (stan === 120) {
        primary.process.kill('SIGKILL');
        killed = true;
      }
      if (stan === 150) await Promise.allSettled(answers);
    }
    assert.ok(killed);
    const settled = await Promise.allSettled(answers);
    const codes = settled.map((s) => (s.status === 'fulfilled' ? String(s.value['39']) : `rejected ${String(s.reason)}`));
    assert.equal(codes.length, total);
    assert.deepEqual(codes.filter((c) => !['00', '91', '68'].includes(c)), [], 'each request one answer: approved, 91 or 68');
    assert.deepEqual(client.strays, [], 'no second answer for any request');
    assert.ok(codes.slice(0, 100).every((c) => c === '00'));
    const s = await healthy(gw.http, ['backup']);
    assert.equal(s.upstreams['primary']?.state, 'down');
    // Once the primary is out, everything goes to the backup and is approved.
    for (let stan = 1001; stan <= 1020; stan++) assert.equal((await client.request(purchase('FAILOVR1', stan, 100)))['39'], '00');

    // The primary returns on its port: it is put back and takes the traffic again (failover: the first healthy).
    const again = startCli(['simulate-host', '--port', String(primary.port), '--balance', '100000000']);
    await again.waitForLine(/listening on/);
    // The reversals of the purchases caught on the primary by the kill go to it once it is back (only it can undo
    // them): their answers count as its responses too, so the ten below are counted once they are all delivered.
    const back = await waitUntil(async () => {
      const s = await upstreamStats(gw.http);
      return s.healthy.includes('primary') && s.healthy.includes('backup') && s.upstreams['primary']?.safDepth === 0 ? s : undefined;
    }, { what: 'the primary back and its reversals delivered' });
    const before = back.upstreams['primary']?.responses ?? 0;
    for (let stan = 2001; stan <= 2010; stan++) assert.equal((await client.request(purchase('FAILOVR1', stan, 100)))['39'], '00');
    const after2 = await upstreamStats(gw.http);
    assert.equal((after2.upstreams['primary']?.responses ?? 0) - before, 10);
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });

  test('round robin spreads the load over the healthy upstreams', async () => {
    const sims = shared;
    const gw = await startGateway([
      ...sims.flatMap((s, i) => ['--upstream', `u${i}=${s.host}:${s.port}`]),
      '--upstream-strategy', 'round-robin',
      '--reversal-journal', join(work, 'rr'),
      '--log-level', 'warn',
    ]);
    await healthy(gw.http, ['u0', 'u1', 'u2']);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => client.request(purchase('ROUNDRB1', i + 1, 100))));
    assert.ok(answers.every((a) => a['39'] === '00'));
    const s = await upstreamStats(gw.http);
    assert.deepEqual(['u0', 'u1', 'u2'].map((n) => s.upstreams[n]?.responses), [10, 10, 10]);

    // SIGHUP starts each upstream's counters over with the rest of /stats; its state and health stay as they are.
    gw.process.kill('SIGHUP');
    const reset = await waitUntil(async () => {
      const now = await upstreamStats(gw.http);
      return now.upstreams['u0']?.responses === 0 ? now : undefined;
    }, { what: "each upstream's counters back at 0 after SIGHUP" });
    assert.deepEqual(['u0', 'u1', 'u2'].map((n) => [reset.upstreams[n]?.requests, reset.upstreams[n]?.responses, reset.upstreams[n]?.state]), [[0, 0, 'up'], [0, 0, 'up'], [0, 0, 'up']]);
    assert.deepEqual([...reset.healthy].sort(), ['u0', 'u1', 'u2']);
    await Promise.all(Array.from({ length: 3 }, (_, i) => client.request(purchase('ROUNDRB1', 100 + i, 100))));
    const after3 = await upstreamStats(gw.http);
    assert.deepEqual(['u0', 'u1', 'u2'].map((n) => after3.upstreams[n]?.responses), [1, 1, 1], 'counting goes on from the reset');
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });

  test('routing by PAN prefix: a route whose upstream is down answers 91, never another network\'s approval', async () => {
    const visa = shared[0] as (typeof shared)[number];
    const mc = await startSimulator();
    const gw = await startGateway([
      '--upstream', `visa=${visa.host}:${visa.port}`,
      '--upstream', `mc=${mc.host}:${mc.port}`,
      '--route', '4=visa',
      '--route', '5=mc',
      '--reversal-journal', join(work, 'routes'),
      '--log-level', 'warn',
    ]);
    await healthy(gw.http, ['visa', 'mc']);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    assert.equal((await client.request(purchase('ROUTING1', 1, 100, '4111111111111111')))['39'], '00');
    assert.equal((await client.request(purchase('ROUTING1', 2, 100, '5555555555554444')))['39'], '00');
    let s = await upstreamStats(gw.http);
    assert.deepEqual([s.upstreams['visa']?.responses, s.upstreams['mc']?.responses], [1, 1]);
    mc.process.kill('SIGTERM');
    assert.equal((await mc.process.exited).code, 0);
    await healthy(gw.http, ['visa']);
    for (let stan = 3; stan <= 7; stan++) {
      const answer = await client.request(purchase('ROUTING1', stan, 100, '5555555555554444'));
      assert.equal(answer['39'], '91', 'the Mastercard route is down: 91');
    }
    assert.equal((await client.request(purchase('ROUTING1', 8, 100, '4111111111111111')))['39'], '00');
    s = await upstreamStats(gw.http);
    assert.equal(s.upstreams['visa']?.requests, 2, 'no Mastercard request reached the Visa upstream');
    const metrics = await (await fetch(`http://${gw.http.host}:${gw.http.port}/metrics`)).text();
    assert.match(metrics, /iso8583_upstream_up\{upstream="mc"\} 0/);
    assert.match(metrics, /iso8583_upstream_unavailable_total\{upstream="mc"\} 5/);
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });
});

/**
 * The gateway's HTTP routes with several upstreams, end to end with the real binary and two host simulators: `POST /`
 * routes by PAN prefix like the POS path, and a route whose upstream is down answers 503
 * `ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN` (never another network's approval).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { purchase } from './helpers/pos.js';
import { waitUntil } from '@iso8583/test-support';

const work = mkdtempSync(join(tmpdir(), 'iso8583-upstreams-http-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

interface UpstreamsStats {
  healthy: string[];
  upstreams: Record<string, { requests: number; responses: number }>;
}

async function upstreamStats(http: { host: string; port: number }): Promise<UpstreamsStats> {
  return (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as UpstreamsStats;
}

async function post(http: { host: string; port: number }, body: unknown): Promise<{ status: number; json: { result: Record<string, unknown> | null; errors: { code: string }[] } }> {
  const res = await fetch(`http://${http.host}:${http.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { result: Record<string, unknown> | null; errors: { code: string }[] } };
}

describe('iso8583 gateway HTTP routes with several upstreams', () => {
  test('POST / routes by PAN prefix; a route whose upstream is down answers 503 UPSTREAM_DOWN', async () => {
    const visa = await startSimulator();
    const mc = await startSimulator();
    const gw = await startGateway([
      '--upstream', `visa=${visa.host}:${visa.port}`,
      '--upstream', `mc=${mc.host}:${mc.port}`,
      '--route', '4=visa',
      '--route', '5=mc',
      '--reversal-journal', join(work, 'routes'),
      '--log-level', 'warn',
    ]);
    await waitUntil(async () => ((await upstreamStats(gw.http)).healthy.length === 2 ? true : undefined), { what: 'visa and mc healthy' });
    const mcAnswer = await post(gw.http, purchase('HTTPROU1', 1, 100, '5555555555554444'));
    assert.equal(mcAnswer.status, 200);
    assert.equal(mcAnswer.json.result?.['39'], '00');
    let s = await upstreamStats(gw.http);
    assert.deepEqual([s.upstreams['visa']?.requests, s.upstreams['mc']?.requests], [0, 1], 'the Mastercard purchase reached mc only');
    const visaAnswer = await post(gw.http, purchase('HTTPROU1', 2, 100, '4111111111111111'));
    assert.equal(visaAnswer.json.result?.['39'], '00');
    s = await upstreamStats(gw.http);
    assert.deepEqual([s.upstreams['visa']?.requests, s.upstreams['mc']?.requests], [1, 1]);

    mc.process.kill('SIGTERM');
    assert.equal((await mc.process.exited).code, 0);
    await waitUntil(async () => {
      const h = (await upstreamStats(gw.http)).healthy;
      return h.length === 1 && h[0] === 'visa' ? true : undefined;
    }, { what: 'only visa healthy' });
    const down = await post(gw.http, purchase('HTTPROU1', 3, 100, '5555555555554444'));
    assert.equal(down.status, 503);
    assert.equal(down.json.result, null);
    assert.equal(down.json.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_UPSTREAM_DOWN');
    assert.doesNotMatch(JSON.stringify(down.json), /5555555555554444/, 'no PAN in the error');
    s = await upstreamStats(gw.http);
    assert.equal(s.upstreams['visa']?.requests, 1, 'no Mastercard request reached the Visa upstream');
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });
});

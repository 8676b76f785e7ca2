// `iso8583 gateway` (the real binary) with two upstreams: both connectors' figures reach /metrics (each under its own
// `connector` label, the first `upstream` as before) and the SocketQueue figures on top of /stats are summed over
// both (a Zabbix check of processedAmount sees every upstream's requests, not the first one's only).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { waitUntil, within } from '@iso8583/test-support';
import { startGateway as startGatewayProcess } from './helpers/gateway-process.js';

/** Starts the gateway binary; resolves with its POS and HTTP ports once it says where it listens. */
async function startGateway(t: TestContext, args: string[]): Promise<{ pos: number; http: number }> {
  const { pos, http } = await startGatewayProcess(t, args);
  if (http === undefined) throw new Error('the gateway listens on no HTTP port');
  return { pos, http };
}

async function host(t: TestContext): Promise<number> {
  const endpoint = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator({}) });
  const { port } = await endpoint.start();
  t.after(() => endpoint.close());
  return port;
}

test('gateway with two upstreams: /metrics has both connectors, /stats sums SocketQueue\'s figures over both', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-two-figures-'));
  const [a, b] = [await host(t), await host(t)];
  const { pos, http } = await startGateway(t, ['--upstream', `a=127.0.0.1:${a}`, '--upstream', `b=127.0.0.1:${b}`, '--upstream-strategy', 'round-robin',
    '--listen', '0', '--bind', '127.0.0.1', '--http', '0', '--reversal-journal', join(dir, 'journal'), '--log-level', 'silent']);
  // Both upstreams up before the first request, so round robin hands them out a, b, a, b.
  await waitUntil(async () => {
    const { healthy } = await (await fetch(`http://127.0.0.1:${http}/stats`)).json() as { healthy: string[] };
    return healthy.length === 2 ? true : undefined;
  }, { timeoutMs: 20_000, what: 'both upstreams up' });
  const terminal = createConnector({ host: '127.0.0.1', port: pos });
  t.after(() => terminal.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const amounts = ['000000000010', '000000000020', '000000000030', '000000000040'];
  for (const [i, amount] of amounts.entries()) {
    const answer = await within(terminal.request({ 0: '0200', 2: '4111111111111111', 3: '000000', 4: amount, 11: `00000${i + 1}`, 14: '3012', 41: 'TERM0001', 49: '840' }), 20_000, 'no answer');
    assert.equal(answer['39'], '00');
  }
  const stats = await (await fetch(`http://127.0.0.1:${http}/stats`)).json() as Record<string, unknown> & { upstreams: Record<string, { socketQueue: { processedAmount: number } }> };
  assert.equal(stats.upstreams.a?.socketQueue.processedAmount, 0.4, 'round robin: 0.10 and 0.30 to a');
  assert.equal(stats.upstreams.b?.socketQueue.processedAmount, 0.6);
  assert.equal(stats.processedAmount, 1, 'every upstream\'s 0200s');
  assert.equal(stats.securedAmount, 1);
  assert.equal((stats.packetCount as Record<string, number>)['0200'], 4);
  const metrics = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
  assert.match(metrics, /iso8583_connector_amount_total\{connector="upstream",kind="processed"\} 40\b/);
  assert.match(metrics, /iso8583_connector_amount_total\{connector="b",kind="processed"\} 60\b/);
  assert.match(metrics, /iso8583_connector_pool_size\{connector="b"\} 1/);
});

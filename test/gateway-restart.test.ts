/**
 * The upstream restarts in the middle: clients get a clear failure (91) while the bank is away, keep their
 * connections, and are served again once the gateway has reconnected.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';
import { reservePort, waitUntil } from '@iso8583/test-support';

const work = mkdtempSync(join(tmpdir(), 'iso8583-restart-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 gateway with an upstream restart', () => {
  test('answers 91 while the bank is down and serves again after it is back, on the same client connections', async () => {
    // The bank comes back on its port: reserved, or the system could hand it out while the bank is down.
    const first = await startSimulator([], (await reservePort()).port);
    const gw = await startGateway([
      '--upstream', `${first.host}:${first.port}`,
      '--request-timeout', '2000',
      '--reversal-journal', join(work, 'journal'),
      '--log-level', 'warn',
    ]);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    let stan = 1;
    assert.equal((await client.request(purchase('RESTART1', stan++, 100)))['39'], '00');

    first.process.kill('SIGTERM');
    assert.equal((await first.process.exited).code, 0);
    const down = await client.request(purchase('RESTART1', stan++, 100));
    assert.equal(down['0'], '0210');
    assert.ok(['91', '68'].includes(String(down['39'])), `a clear failure while the bank is down (got ${String(down['39'])})`);
    const web = await fetch(`http://${gw.http.host}:${gw.http.port}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '0': '0800', '11': '000900', '70': '301' }),
    });
    assert.ok([502, 503, 504].includes(web.status), `HTTP says the host is unavailable (got ${web.status})`);
    const metrics = await (await fetch(`http://${gw.http.host}:${gw.http.port}/metrics`)).text();
    assert.match(metrics, /iso8583_gateway_own_answers_total\{response_code="(91|68)"\} [1-9]/);

    // The bank comes back on the same port.
    const second = startCli(['simulate-host', '--port', String(first.port)]);
    await second.waitForLine(/listening on/);
    // The link reconnects on its own (jittered backoff): wait until the gateway reports it connected, then buy.
    await waitUntil(async () => {
      const stats = (await (await fetch(`http://${gw.http.host}:${gw.http.port}/stats`)).json()) as { upstream: { connected: number } };
      return stats.upstream.connected > 0;
    }, { what: 'the gateway to reconnect to the bank on its old port' });
    const answer = await client.request(purchase('RESTART1', stan, 100));
    assert.equal(answer['39'], '00', 'served again after the reconnection');
    assert.deepEqual(client.strays, []);
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });
});

/**
 * The console of a gateway with two named upstreams (an upstream group): the event stream shows each upstream with
 * its state, and the state of one that goes down; the workbench offers `routed` and each upstream by name, and a
 * message sent to one by name is answered by it and listed among the recent transactions with its upstream.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announcedTooLarge } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { readEvents } from './helpers/sse.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-console-upstreams-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

interface Figures {
  connectors: Record<string, { state?: string; connected: number }>;
}

describe('the console of an upstream group', () => {
  test('each upstream with its state (and one going down); send to one by name, listed with its upstream', async () => {
    const [a, b] = await Promise.all([startSimulator(), startSimulator()]);
    const gw = await startGateway([
      '--upstream', `alpha=${a.host}:${a.port}`,
      '--upstream', `beta=${b.host}:${b.port}`,
      '--console-send',
      '--reversal-journal', join(work, 'journal'),
      '--log-level', 'error',
    ]);
    const base = `http://${gw.http.host}:${gw.http.port}`;
    const events = await fetch(`${base}/console/events`);
    let targets: string[] = [];
    await readEvents(
      events,
      (event, data) => {
        if (event === 'hello') targets = (data as { targets: string[] }).targets;
        if (event !== 'figures') return false;
        const c = (data as Figures).connectors;
        return c.alpha?.state === 'up' && c.beta?.state === 'up';
      },
      'both upstreams up',
    );
    assert.deepEqual(targets, ['routed', 'alpha', 'beta']);

    const sent = await fetch(`${base}/console/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ upstream: 'beta', message: { '0': '0800', '7': '1130120000', '11': '000321', '70': '301' } }),
    });
    assert.equal(sent.status, 200);
    const answer = (await sent.json()) as { upstream: string; fields: { id: string; value: string }[] };
    assert.equal(answer.upstream, 'beta');
    assert.equal(answer.fields.find((f) => f.id === '39')?.value, '00');
    const unknown = await fetch(`${base}/console/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ upstream: 'gamma', message: { '0': '0800' } }),
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual(((await unknown.json()) as { error: { code: string; field: string } }).error, {
      code: 'ISO8583_ERR_CONSOLE_INPUT',
      message: 'upstream: not one of routed, alpha, beta',
      field: 'upstream',
    });
    // A body Fastify refuses: its own status (413 too large, 400 not JSON) with the connector plugin's reason.
    const large = await announcedTooLarge(gw.http.port, '/console/api/send', 2 * 1024 * 1024);
    assert.equal(large.status, 413, 'a 2 MB body is too large, not a bad JSON object');
    assert.deepEqual((JSON.parse(large.body) as { error: unknown }).error, { code: 'ISO8583_ERR_CONSOLE_INPUT', message: "body: the body is larger than its limit, 262144 bytes (bodyLimit)", field: 'body' });
    const broken = await fetch(`${base}/console/api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"upstream":' });
    assert.equal(broken.status, 400);
    assert.deepEqual(((await broken.json()) as { error: unknown }).error, { code: 'ISO8583_ERR_CONSOLE_INPUT', message: 'body: the body is not valid JSON', field: 'body' });

    b.process.kill('SIGKILL');
    const watching = await fetch(`${base}/console/events`);
    let listed: { upstream?: string; stan?: string } | undefined;
    let betaDown = false;
    await readEvents(
      watching,
      (event, data) => {
        if (event === 'recent') listed ??= (data as { items: { upstream?: string; stan?: string }[] }).items.find((r) => r.stan === '000321');
        if (event === 'figures') betaDown ||= (data as Figures).connectors.beta?.state === 'down';
        return listed !== undefined && betaDown;
      },
      'the sent echo listed and beta down',
    );
    assert.equal(listed?.upstream, 'beta');
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });
});

/**
 * The console on a flow's HTTP server (`iso8583 run FLOW.json --http-token ...`): the example flow against the real
 * simulator; the token asked on every route and on the event stream; the stream's figures and recent transactions
 * show the forwarding sequence's requests through the `bank` connector, the PAN masked.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { exitWithin, hostPort, startCli, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';
import { readEvents } from './helpers/sse.js';
import { startTwoBanksFlow } from './helpers/two-banks-flow.js';

after(async () => {
  await stopAll();
});

describe('iso8583 run: the console', () => {
  test('--http-token guards the flow\'s HTTP port; the event stream shows the sequence\'s requests, masked', async (t) => {
    const bank = await startSimulator();
    // The example flow with a shutdown deadline of a minute: a stream holding the stop would run into it (61 s with
    // its grace), far past the test's 30 s, while a stop of a few seconds on a loaded machine stays well inside.
    const dir = mkdtempSync(join(tmpdir(), 'iso8583-console-flow-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const example = JSON.parse(readFileSync(join(repoRoot(), 'examples', 'flows', 'payments.json'), 'utf8')) as Record<string, unknown>;
    const file = join(dir, 'payments.json');
    writeFileSync(file, JSON.stringify({ ...example, shutdownDeadline: 60_000 }).replaceAll('"../dist/', `"${join(repoRoot(), 'examples', 'dist')}/`));
    const flow = startCli(['run', file, '--http-token', 'flow-token'], {
      env: { BANK_HOST: bank.host, BANK_PORT: String(bank.port), POS_PORT: '0', STANDIN_PORT: '0', HTTP_PORT: '0' },
    });
    const posLine = await flow.waitForLine(/^inbound pos listening on (\S+)/);
    const httpLine = await flow.waitForLine(/^http listening on (\S+)/);
    await flow.waitForLine(/^flow payments ready/);
    const http = hostPort(httpLine[1] as string);
    const base = `http://${http.host}:${http.port}`;
    for (const path of ['/console', '/console/events', '/stats', '/bank/']) assert.equal((await fetch(`${base}${path}`)).status, 401, path);
    const auth = { authorization: 'Bearer flow-token' };
    const page = await fetch(`${base}/console`, { headers: auth });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);

    const pos = hostPort(posLine[1] as string);
    const client = await PosClient.open(pos.host, pos.port);
    assert.equal((await client.request(purchase('FLOWPOS1', 1, 1500)))['39'], '00');
    await client.close();

    const events = await fetch(`${base}/console/events`, { headers: auth });
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /^text\/event-stream/);
    let hello: { targets?: string[]; send?: boolean } = {};
    let recent: { items: { pan?: string; stan?: string; terminal?: string; outcome?: string; upstream?: string }[] } | undefined;
    let figures: { totals: { requests: number }; connectors: Record<string, { connected: number }> } | undefined;
    await readEvents(
      events,
      (event, data) => {
        if (event === 'hello') hello = data as typeof hello;
        if (event === 'recent') recent = data as typeof recent;
        if (event === 'figures') figures = data as typeof figures;
        return recent !== undefined && figures !== undefined;
      },
      'recent transactions and figures',
    );
    assert.deepEqual(hello.targets, ['bank']);
    assert.equal(hello.send, false);
    const item = recent?.items.find((r) => r.terminal === 'FLOWPOS1');
    assert.ok(item !== undefined, 'the sequence\'s request through the bank connector is among the recent ones');
    assert.equal(item.pan, '411111******1111');
    assert.equal(item.outcome, 'approved');
    assert.equal(item.upstream, 'bank');
    assert.ok((figures?.totals.requests ?? 0) >= 1);
    assert.equal(figures?.connectors.bank?.connected, 1);
    assert.doesNotMatch(JSON.stringify(recent), /4111111111111111/);

    // A page still watching: its stream ends with the server, which stops as usual.
    const held = await fetch(`${base}/console/events`, { headers: auth });
    const heldEnd = held.text().then(() => 'ended', () => 'ended');
    flow.kill('SIGTERM');
    // Well before the flow's shutdown deadline (60 s here), which an open stream would otherwise run into.
    const exit = await exitWithin(flow, 30_000, 'a flow with an open event stream stopping');
    assert.equal(exit.code, 0);
    assert.equal(await heldEnd, 'ended');
    bank.process.kill();
  });

  test('a flow with an upstream group: each upstream\'s state, the group\'s requests recorded (two-banks.json)', async () => {
    const { flow, primary, backup, pos, http } = await startTwoBanksFlow();
    const client = await PosClient.open(pos.host, pos.port);
    assert.equal((await client.request(purchase('GROUPPOS', 1, 1500, '5555555555554444')))['39'], '00');
    await client.close();
    const events = await fetch(`http://${http.host}:${http.port}/console/events`);
    let targets: string[] = [];
    let item: { pan?: string; upstream?: string } | undefined;
    let states: Record<string, string | undefined> = {};
    await readEvents(
      events,
      (event, data) => {
        if (event === 'hello') targets = (data as { targets: string[] }).targets;
        if (event === 'recent') item ??= (data as { items: { terminal?: string; pan?: string; upstream?: string }[] }).items.find((r) => r.terminal === 'GROUPPOS');
        if (event === 'figures') {
          const c = (data as { connectors: Record<string, { state?: string }> }).connectors;
          states = { primary: c.primary?.state, backup: c.backup?.state };
        }
        return item !== undefined && states.primary === 'up' && states.backup === 'up';
      },
      'the group\'s request and both upstreams up',
    );
    assert.deepEqual([...targets].sort(), ['backup', 'bank', 'primary']);
    assert.equal(item?.pan, '555555******4444');
    assert.equal(item?.upstream, 'bank');
    flow.kill('SIGTERM');
    assert.equal((await exitWithin(flow, 8_000, 'the two-banks flow stopping')).code, 0);
    primary.kill();
    backup.kill();
  });
});

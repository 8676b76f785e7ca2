// Names of a flow's connectors, upstream groups and inbound endpoints that are also members of every object
// (`toString`, `constructor`, `valueOf`) are names like any other: the start reads the flow's tables by own key only
// (a `toString` connector beside a routed `bank` once read `routes.toString`, the function, as its route prefix:
// `prefix.replace is not a function`), and nothing of theirs lands on Object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadFlow, startFlow } from '../src/index.js';

test('a flow whose connector, group and endpoint are named toString, constructor, valueOf starts, each mounted as given', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-proto-names-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({
    name: 'names',
    shutdownDeadline: 60_000,
    connectors: {
      bank: { host: '127.0.0.1', port: 1, frame: 'binary2' },
      toString: { host: '127.0.0.1', port: 1, frame: 'binary2' },
      valueOf: { host: '127.0.0.1', port: 1, frame: 'binary2' },
    },
    upstreamGroups: { constructor: { upstreams: ['valueOf'] } },
    inboundEndpoints: { constructor: { port: 0, frame: 'binary2', sequence: 'host-simulator' } },
    http: { port: 0, routes: { bank: '/bank' } },
  }));
  const running = await startFlow(loadFlow(file, {}), pino({ level: 'silent' }));
  try {
    assert.deepEqual(Object.keys(running.connectors).sort(), ['bank', 'toString', 'valueOf']);
    assert.deepEqual(Object.keys(running.groups), ['constructor']);
    assert.ok(Object.hasOwn(running.inbound, 'constructor'));
    assert.equal(Object.hasOwn(Object, 'sequence'), false, 'nothing of the flow lands on Object');
    const base = `http://127.0.0.1:${running.http?.port}`;
    // Only the routes given: bank's; the others have none (a route under toString's "prefix" would be a 404 anyway).
    const routed = await fetch(`${base}/bank/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.notEqual(routed.status, 404);
    await routed.arrayBuffer();
  } finally {
    await running.close();
  }
});

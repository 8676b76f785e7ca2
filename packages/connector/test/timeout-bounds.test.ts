// Node.js timers clamp a delay of 2^31 ms or more to 1 ms: a timeout meant as "very long" fires at once, and an
// approved purchase is timed out and reversed. Every duration is bounded where it enters: the manifest schemas (the
// connector and inbound options), the per-request `timeout`, and the HTTP `?timeout=` query.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import {
  MAX_REQUEST_TIMEOUT,
  MAX_TIMER_DELAY,
  createConnector,
  iso8583Connector,
  readManifest,
  validateConnectorOptions,
} from '../src/index.js';
import type { Iso8583Error } from '@iso8583/codec';
import { answer, purchase, startPeer } from './peer.js';

/** The first delay a Node.js timer does not honour. */
const TOO_LONG = 2 ** 31;

interface PropertySchema {
  type?: string | string[];
  maximum?: number;
  description?: string;
  properties?: Record<string, PropertySchema>;
}

/** Every property (nested ones as `group.name`) of an object schema. */
function properties(schema: PropertySchema, prefix = ''): [string, PropertySchema][] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, s]) => [
    [`${prefix}${name}`, s] as [string, PropertySchema],
    ...properties(s, `${prefix}${name}.`),
  ]);
}

/** A duration in milliseconds: its description says so. */
function isDuration(s: PropertySchema): boolean {
  return s.type === 'integer' && /^(Milliseconds|Longest delay)/.test(s.description ?? '');
}

/** The waits for one response; every other duration is bounded by the timer maximum. */
const REQUEST_WAITS = new Set(['init:requestTimeout', 'init:terminalQueue.timeout', 'sendMessage:timeout']);

test('MAX_TIMER_DELAY is the longest delay a Node.js timer honours; MAX_REQUEST_TIMEOUT is 1 hour', () => {
  assert.equal(MAX_TIMER_DELAY, 2 ** 31 - 1);
  assert.equal(MAX_REQUEST_TIMEOUT, 3_600_000);
  assert.ok(MAX_REQUEST_TIMEOUT <= MAX_TIMER_DELAY);
});

test('every duration in connector-manifest.json (connector, sendMessage, inbound endpoint) has its maximum', () => {
  const manifest = readManifest();
  const schemas: [string, PropertySchema][] = [
    ['init', manifest.connector.operations.init?.parameters as PropertySchema],
    ['sendMessage', manifest.connector.operations.sendMessage?.parameters as PropertySchema],
    ['inbound', manifest.inboundEndpoint?.parameters as PropertySchema],
  ];
  const found: string[] = [];
  for (const [where, schema] of schemas) {
    for (const [name, s] of properties(schema)) {
      if (!isDuration(s)) continue;
      const id = `${where}:${name}`;
      found.push(id);
      assert.equal(s.maximum, REQUEST_WAITS.has(id) ? MAX_REQUEST_TIMEOUT : MAX_TIMER_DELAY, `${id} has its maximum`);
    }
  }
  // The walk found them all (a description rewording must not let an option slip out of this test).
  for (const id of ['init:connectTimeout', 'init:readTimeout', 'init:reconnect.maxDelay', 'inbound:readTimeout', ...REQUEST_WAITS]) {
    assert.ok(found.includes(id), `${id} is recognised as a duration`);
  }
});

test('validateConnectorOptions – refuses 2^31 ms in every duration option, naming it; accepts its maximum', () => {
  const base = { host: '127.0.0.1', port: 1 };
  const cases: [string, (v: number) => Record<string, unknown>, number][] = [
    ['connectTimeout', (v) => ({ connectTimeout: v }), MAX_TIMER_DELAY],
    ['requestTimeout', (v) => ({ requestTimeout: v }), MAX_REQUEST_TIMEOUT],
    ['readTimeout', (v) => ({ readTimeout: v }), MAX_TIMER_DELAY],
    ['echoInterval', (v) => ({ echoInterval: v }), MAX_TIMER_DELAY],
    ['pool.idleTimeout', (v) => ({ pool: { idleTimeout: v } }), MAX_TIMER_DELAY],
    ['pool.acquireTimeout', (v) => ({ pool: { acquireTimeout: v } }), MAX_TIMER_DELAY],
    ['terminalQueue.timeout', (v) => ({ terminalQueue: { timeout: v } }), MAX_REQUEST_TIMEOUT],
    ['reversal.retryInterval', (v) => ({ reversal: { retryInterval: v } }), MAX_TIMER_DELAY],
    // Its maximum with a maxDelay as long (a first delay above the longest is refused).
    ['reconnect.initialDelay', (v) => ({ reconnect: { initialDelay: v, maxDelay: MAX_TIMER_DELAY } }), MAX_TIMER_DELAY],
    ['reconnect.maxDelay', (v) => ({ reconnect: { maxDelay: v } }), MAX_TIMER_DELAY],
  ];
  for (const [field, options, maximum] of cases) {
    for (const value of [TOO_LONG, maximum + 1]) {
      assert.throws(
        () => validateConnectorOptions({ ...base, ...options(value) }),
        (err: Iso8583Error) => {
          assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
          assert.deepEqual(err.problems?.map((p) => p.field), [field]);
          assert.match(err.message, new RegExp(field.replace('.', '\\.')));
          return true;
        },
        `${field} = ${value}`,
      );
    }
    assert.doesNotThrow(() => validateConnectorOptions({ ...base, ...options(maximum) }), field);
  }
});

test('request and sendMessage – a per-request timeout of 2^31 ms (or over 1 hour) is refused naming `timeout`; nothing is sent', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const connector = createConnector({ host: '127.0.0.1', port: peer.port });
  t.after(async () => {
    await connector.destroy();
    await peer.close();
  });
  for (const timeout of [TOO_LONG, MAX_REQUEST_TIMEOUT + 1, Number.POSITIVE_INFINITY]) {
    const refused = { code: 'ISO8583_ERR_CONNECTOR_OPTIONS', field: 'timeout' };
    await assert.rejects(connector.request(purchase('009301'), { timeout }), refused);
    await assert.rejects(connector.sendMessage(purchase('009302'), { timeout }), refused);
    await assert.rejects(connector.sendMessage(JSON.stringify(purchase('009303')), { timeout }), refused);
  }
  assert.equal(peer.received.length, 0);
  // The maximum itself is a valid wait.
  const response = await connector.request(purchase('009304'), { timeout: MAX_REQUEST_TIMEOUT });
  assert.equal(response['39'], '00');
  assert.equal(connector.stats().timeouts, 0);
});

test('routes – ?timeout=2147483648 answers 400 naming `timeout`; the approved purchase is neither sent nor reversed', async (t) => {
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-timeout-bounds-'));
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'bank',
    host: '127.0.0.1',
    port: peer.port,
    routes: { prefix: '' },
    reversal: { enabled: true, journalDir: dir },
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await app.close();
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const post = (query: string, body: string, type: string): Promise<Response> =>
    fetch(`${address}${query}`, { method: 'POST', headers: { 'content-type': type }, body });
  const json = JSON.stringify(purchase('009401'));
  for (const value of ['2147483648', String(MAX_REQUEST_TIMEOUT + 1), '0', '-1', '1.5', 'abc', '', '1e3']) {
    const res = await post(`/?timeout=${encodeURIComponent(value)}`, json, 'application/json');
    assert.equal(res.status, 400, `?timeout=${value}`);
    const body = (await res.json()) as { result: unknown; errors: { code: string; field?: string; message: string }[] };
    assert.equal(body.result, null);
    assert.equal(body.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    assert.equal(body.errors[0]?.field, 'timeout', `?timeout=${value} names the query parameter`);
  }
  const twice = await post('/?timeout=1000&timeout=2000', json, 'application/json');
  assert.equal(twice.status, 400);
  const xml = await post('/?timeout=2147483648', '<ISOMessage><data><field id="0">0200</field><field id="11">009402</field></data></ISOMessage>', 'application/xml');
  assert.equal(xml.status, 400);
  assert.match(await xml.text(), /^<error code="ISO8583_ERR_CONNECTOR_OPTIONS">timeout: /);
  const connector = app.iso8583.bank!;
  const hex = connector.codec.pack(purchase('009403')).toString('hex');
  const raw = await post('/raw?timeout=2147483648', JSON.stringify({ hex }), 'application/json');
  assert.equal(raw.status, 400);
  assert.equal(((await raw.json()) as { errors: { field?: string }[] }).errors[0]?.field, 'timeout');
  assert.equal(peer.received.length, 0, 'nothing reached the host');
  // No reversal was armed.
  assert.equal(connector.stats().reversalsPending, 0);
  // A valid timeout still goes through.
  const ok = await post(`/?timeout=${MAX_REQUEST_TIMEOUT}`, json, 'application/json');
  assert.equal(ok.status, 200);
});

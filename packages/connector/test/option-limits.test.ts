// Every number option has limits: each integer of the manifest (connector, sendMessage, inbound endpoint) has a
// `maximum` within the safe integers, and `Infinity`, `-Infinity`, `NaN` or a number past the maximum is refused with
// ISO8583_ERR_CONNECTOR_OPTIONS naming the option. `pool.min: Infinity` once hung the event loop (the pool grew
// towards it), and an exclusive `pool.max` of `Infinity` or 1e21 silently meant a pool of 1 (generic-pool's parseInt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector, readManifest, validateConnectorOptions } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerFor } from './helpers/setup.js';

/** The dotted path of every `integer` in `schema`'s properties, at every depth, with its schema. */
function integers(schema: Record<string, unknown>, prefix = ''): Array<[string, Record<string, unknown>]> {
  const out: Array<[string, Record<string, unknown>]> = [];
  for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
    const path = prefix + key;
    const types = Array.isArray(child.type) ? (child.type as unknown[]) : [child.type];
    if (types.includes('integer') || types.includes('number')) out.push([path, child]);
    if (child.properties !== undefined) out.push(...integers(child, path + '.'));
  }
  return out;
}

/** `options` with `value` at the dotted `path` (the groups on the way made). */
function withValue(path: string, value: unknown): Record<string, unknown> {
  const options: Record<string, unknown> = { host: '127.0.0.1', port: 9 };
  const keys = path.split('.');
  let at = options;
  for (const key of keys.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[keys[keys.length - 1] as string] = value;
  return options;
}

/** The problems (`field: reason`) the connector's option check finds in `options` (empty when it accepts them). */
function problemsOf(options: unknown): string[] {
  try {
    validateConnectorOptions(options);
    return [];
  } catch (err) {
    const e = err as { code?: string; problems?: Array<{ field: string; reason: string }> };
    assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    return (e.problems ?? []).map((p) => `${p.field}: ${p.reason}`);
  }
}

test('option limits – every integer of the manifest has a maximum within the safe integers', () => {
  const manifest = readManifest() as unknown as {
    connector: { operations: Record<string, { parameters: Record<string, unknown> }> };
    inboundEndpoint: { parameters: Record<string, unknown> };
  };
  const schemas = { ...Object.fromEntries(Object.entries(manifest.connector.operations).map(([name, op]) => [name, op.parameters])), inboundEndpoint: manifest.inboundEndpoint.parameters };
  let seen = 0;
  for (const [name, schema] of Object.entries(schemas)) {
    for (const [path, child] of integers(schema)) {
      seen += 1;
      const max = child.maximum;
      assert.ok(typeof max === 'number' && Number.isSafeInteger(max), `${name} ${path}: a maximum within the safe integers (got ${String(max)})`);
    }
  }
  assert.ok(seen > 30, `the integers were found (${seen})`);
});

test('option limits – Infinity, -Infinity, NaN and past the maximum are refused for every integer option, naming it', () => {
  const init = readManifest().connector.operations.init.parameters as Record<string, unknown>;
  const all = integers(init);
  assert.ok(all.some(([path]) => path === 'pool.min'));
  for (const [path, child] of all) {
    for (const bad of [Infinity, -Infinity, NaN, (child.maximum as number) + 1, 1e21]) {
      const problems = problemsOf(withValue(path, bad));
      assert.ok(problems.some((p) => p.startsWith(`${path}: must be `)), `${path} = ${String(bad)} is refused naming ${path}: ${problems.join('; ')}`);
    }
    // At its maximum, the schema takes it (another rule may still name it: pool.min above the default pool.max).
    const problems = problemsOf(withValue(path, child.maximum));
    assert.ok(!problems.some((p) => /^[\w.]+: must be (<=|integer|number)/.test(p) && p.startsWith(`${path}:`)), `${path} at its maximum: ${problems.join('; ')}`);
  }
});

test('option limits – pool.min of Infinity (once a hang) and pool.max past 1000 are refused at createConnector', () => {
  for (const pool of [{ min: Infinity, max: Infinity }, { min: 1e9, max: 1e9 }, { max: 1001 }]) {
    assert.throws(() => createConnector({ host: '127.0.0.1', port: 9, pool }), (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
      assert.match(err.message, /pool\.(min|max)/);
      return true;
    });
  }
});

test('option limits – exclusive mode: pool.max Infinity or 1e21 refused (it meant a pool of 1); 20 gives 20 connections under a burst of 20', async (t) => {
  for (const max of [Infinity, 1e21]) {
    assert.throws(() => createConnector({ host: '127.0.0.1', port: 9, mode: 'exclusive', pool: { max } }), (err: { code?: string; problems?: Array<{ field: string }> }) => {
      assert.deepEqual([err.code, err.problems?.map((p) => p.field)], ['ISO8583_ERR_CONNECTOR_OPTIONS', ['pool.max']]);
      return true;
    });
  }
  // The host answers once all 20 are in: 20 requests at once need 20 connections of an exclusive pool.
  const held: Array<() => void> = [];
  const peer = await peerFor(t, (r, p) => {
    held.push(() => p.send(r.socket, answer(r.message)));
    if (held.length === 20) for (const send of held.splice(0)) send();
  });
  const connector = createConnector({ host: '127.0.0.1', port: peer.port, mode: 'exclusive', pool: { min: 1, max: 20, acquireTimeout: 20_000 } });
  t.after(() => connector.destroy());
  await connector.connect();
  const out = await Promise.all(Array.from({ length: 20 }, (_, i) => connector.request(purchase(String(540000 + i), 'T' + String(i).padStart(7, '0'))).then((m) => String(m['39']), (e: { code: string }) => e.code)));
  assert.deepEqual(out, Array.from({ length: 20 }, () => '00'));
  assert.equal(new Set(peer.received.map((r) => r.socket)).size, 20, 'one connection per request in flight');
});

// An upstream group refuses what it does not know, naming it, before any socket opens: a routing rule's key that is no
// criterion (`bin` for `pan`: the rule would otherwise be a default route, every card to that bank) and a misspelt
// group option (`stratgy`: the strategy would otherwise stay failover). Each problem carries the connector's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnector, createUpstreamGroup } from '../src/index.js';
import type { RouteRule, UpstreamGroupOptions } from '../src/index.js';

const upstreams = [
  { name: 'visa', host: '127.0.0.1', port: 1 },
  { name: 'mc', host: '127.0.0.1', port: 2 },
];

/** Asserts `make` throws ISO8583_ERR_CONNECTOR_OPTIONS whose problems name `field`, each with the same code. */
function refused(make: () => unknown, field: string): void {
  assert.throws(make, (err: unknown) => {
    const e = err as { code?: string; message?: string; problems?: { field: string; code: string }[] };
    assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    assert.ok(e.problems?.some((p) => p.field === field), `names ${field}: ${JSON.stringify(e.problems)}`);
    for (const p of e.problems ?? []) assert.equal(p.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', `problem ${p.field} carries the coded error`);
    assert.ok(e.message?.includes(field), `the message names ${field}`);
    return true;
  });
}

test('a routing rule with a key that is no criterion is refused, naming routes[i].key', () => {
  refused(() => createUpstreamGroup({ upstreams, routes: [{ upstream: 'visa', bin: '4' } as unknown as RouteRule, { upstream: 'mc', pan: '5' }] }), 'routes[0].bin');
  refused(() => createUpstreamGroup({ upstreams, routes: [{ upstream: 'mc', pan: '5' }, { upstream: 'visa', PAN: '4' } as unknown as RouteRule] }), 'routes[1].PAN');
});

test('an unknown group option is refused, naming it', () => {
  refused(() => createUpstreamGroup({ upstreams, stratgy: 'round-robin' } as unknown as UpstreamGroupOptions), 'stratgy');
});

test('the group problems carry ISO8583_ERR_CONNECTOR_OPTIONS as a connector problem does', () => {
  refused(() => createUpstreamGroup({ upstreams, strategy: 'random' as 'failover' }), 'strategy');
});

test('every documented key passes', () => {
  const group = createUpstreamGroup({
    upstreams,
    strategy: 'round-robin',
    maxOriginals: 10,
    logger: undefined,
    registry: undefined,
    routes: [{ upstream: 'visa', pan: '4', mtiClass: '2', processingCode: '00', acquirer: '123456', receiver: '654321' }, { upstream: 'mc' }],
  });
  void group.destroy();
});

test('one connector given twice, under two names, is refused naming the second', async (t) => {
  const connector = createConnector({ name: 'bank', host: '127.0.0.1', port: 1 });
  t.after(() => connector.destroy());
  refused(() => createUpstreamGroup({ upstreams: [{ name: 'x', connector }, { name: 'y', connector }] }), 'upstreams[1].connector');
  refused(() => createUpstreamGroup({ upstreams: [connector, { name: 'y', connector }] }), 'upstreams[1].connector');
});

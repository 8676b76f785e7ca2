// The connection-count maximum the inbound package exports (`@iso8583/inbound/option-limits`) is the option schema's:
// the gateway bounds its flags by it, so that a value past it is refused naming the flag (at `--check-config` too),
// not the inbound option it feeds, at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inboundOptionsSchema, validateInboundOptions } from '../src/index.js';
import { MAX_CONNECTIONS } from '../src/option-limits.js';
import { approveAll } from './support/endpoint.js';

test('option limits – the exported MAX_CONNECTIONS is the schema\'s maximum of maxConnections and maxConnectionsPerAddress', () => {
  const schema = inboundOptionsSchema() as { properties: Record<string, { maximum?: number }> };
  for (const option of ['maxConnections', 'maxConnectionsPerAddress']) {
    assert.equal(schema.properties[option]?.maximum, MAX_CONNECTIONS, `${option}: maximum ${MAX_CONNECTIONS}`);
    assert.equal(validateInboundOptions({ port: 0, sequence: approveAll, [option]: MAX_CONNECTIONS })[option as 'maxConnections'], MAX_CONNECTIONS);
    assert.throws(() => validateInboundOptions({ port: 0, sequence: approveAll, [option]: MAX_CONNECTIONS + 1 }), (err: { code?: string; field?: string }) =>
      err.code === 'ISO8583_ERR_INBOUND_OPTIONS' && err.field === option);
  }
});

test('option limits – @iso8583/inbound/option-limits resolves to the same constant', async () => {
  const limits = (await import('@iso8583/inbound/option-limits')) as { MAX_CONNECTIONS: number };
  assert.equal(limits.MAX_CONNECTIONS, MAX_CONNECTIONS);
});

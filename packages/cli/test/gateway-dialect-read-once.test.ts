// A dialect file the gateway names is read once a start, and every part is handed that one dialect: the upstream's
// connector, the POS side, the console's ring and workbench, the tracer. Before, each part looked it up again by name
// (the same file read 4 to 5 times): a file edited during the start gave the connector one dialect and the POS side
// (or the console, the tracer) another. Here the file is replaced after the first part read it: every part must still
// get the dialect read first. A real dialect file in a folder of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDialect } from '@iso8583/codec';
import { consoleDialects, mainDialect, posDialect, upstreamDialect } from '../src/gateway/dialects.js';
import type { GatewayConfig } from '../src/gateway/config-types.js';

test('gateway dialects – a dialect file replaced after its first read: every part gets the dialect read first', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-gw-dialect-once-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bank.json');
  const write = (name: string): void => writeFileSync(file, JSON.stringify({ ...getDialect('iso87ascii'), name }));
  write('first');
  const config = { upstream: '127.0.0.1:5000', dialect: file } as unknown as GatewayConfig;

  // The connector's (upstream-options.ts) is read first, at the start.
  const upstream = upstreamDialect(config, undefined);
  assert.equal(upstream.name, 'first');
  write('second');
  // The POS side, the tracer and the console's ring (mainDialect), the console's workbench: the same dialect.
  assert.equal(posDialect(config), upstream);
  assert.equal(mainDialect(config), upstream);
  assert.deepEqual(consoleDialects(config), { upstream, pos: upstream });
  // Another start (another config) reads the file as it is now.
  assert.equal(upstreamDialect({ ...config }, undefined).name, 'second');
});

test('gateway dialects – a built-in dialect is named to the console, as the workbench lists it', () => {
  const config = { upstream: '127.0.0.1:5000', dialect: 'iso87ascii', clientDialect: 'iso87binary' } as unknown as GatewayConfig;
  assert.deepEqual(consoleDialects(config), { upstream: 'iso87ascii', pos: 'iso87binary' });
  assert.equal(posDialect(config).name, getDialect('iso87binary').name);
});

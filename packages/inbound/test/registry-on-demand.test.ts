// An endpoint without the `registry` option makes its own Registry when `endpoint.registry` is first read: until then
// prom-client (and the OpenTelemetry API it imports) is not loaded, so that a host simulator starts with less CPU.
// Counts made before the first read are in it (endpoint-replies.test.ts scrapes an own registry after its requests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('registry on demand – a started endpoint without a registry has not loaded prom-client; reading registry loads it', () => {
  const index = JSON.stringify(new URL('../src/index.js', import.meta.url).href);
  const script = `
const { createRequire } = await import('node:module');
const cache = createRequire(import.meta.url).cache;
const promLoaded = () => Object.keys(cache).some((f) => f.includes('/node_modules/prom-client/'));
const { createInboundEndpoint, createHostSimulator } = await import(${index});
const endpoint = createInboundEndpoint({ port: 0, sequence: createHostSimulator() });
await endpoint.start();
const before = promLoaded();
const text = await endpoint.registry.metrics();
const after = promLoaded();
await endpoint.close();
process.stdout.write(JSON.stringify({ before, after, shown: text.includes('iso8583_inbound_connections_total{endpoint=') }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, boolean>;
  assert.deepEqual(out, { before: false, after: true, shown: true });
});

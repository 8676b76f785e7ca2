// A connector without the `registry` option counts in plain numbers and makes its own Registry when
// `connector.registry` is first read: until then prom-client (and the OpenTelemetry API it imports) is not loaded, so
// that `iso8583 send` starts with less CPU. Counts made before the first read are in it (metrics.test.ts scrapes an own
// registry after its requests); a given registry is used at once (metrics.test.ts too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

test('registry on demand – a connector without a registry has not loaded prom-client; reading registry loads it', () => {
  const index = JSON.stringify(new URL('../src/index.js', import.meta.url).href);
  const script = `
const { createRequire } = await import('node:module');
const cache = createRequire(import.meta.url).cache;
const loaded = (name) => Object.keys(cache).some((f) => f.includes('/node_modules/' + name + '/'));
const { createConnector } = await import(${index});
const connector = createConnector({ name: 'x', host: '127.0.0.1', port: 9 });
const before = loaded('prom-client') || loaded('@opentelemetry/api');
const text = await connector.registry.metrics();
const after = loaded('prom-client');
await connector.close();
process.stdout.write(JSON.stringify({ before, after, shown: text.includes('iso8583_connector_in_flight{connector="x"} 0') }));`;
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, boolean>;
  assert.deepEqual(out, { before: false, after: true, shown: true });
});

// A closed endpoint's series on a shared Registry (metrics.ts `retire`): what the sequences its close gave up on count
// after it (an approval whose client is gone: ISO8583_ERR_INBOUND_CLIENT_GONE) used to land on series released at the
// close, never read by a scrape. Now the series stay until a scrape after those sequences settled has read them (or
// a bound passed), and a new endpoint of the same name may take the name over meanwhile. Those that had timed out
// before the close (their client had its 96) were not waited for: the late reply one counts is now scraped too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { waitUntil, within } from '@iso8583/test-support';
import { createInboundEndpoint } from '../src/index.js';
import { InboundMetrics } from '../src/metrics.js';
import { TestClient, purchase } from './support/client.js';
import { heldSequence } from './support/gates.js';

const gone = (name: string): RegExp => new RegExp(`iso8583_inbound_errors_total\\{endpoint="${name}",code="ISO8583_ERR_INBOUND_CLIENT_GONE"\\} 1`);

test('metrics retire – a client-gone approval counted after the close gave up is scraped once, then the series leave', async (t) => {
  const registry = new Registry();
  const { held, late, sequence, onLateResult } = heldSequence();
  const endpoint = createInboundEndpoint({ port: 0, name: 'retiring', registry, sequence, onLateResult });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  await waitUntil(() => endpoint.stats().inFlight === 1, { timeoutMs: 10_000, what: 'the request to be in its sequence' });
  await endpoint.close({ deadline: 0 });
  held.open();
  await waitUntil(() => late.length === 1 && endpoint.stats().inFlight === 0, { timeoutMs: 10_000, what: 'the approval to be handed over' });
  assert.deepEqual(late, ['000001:client-gone']);
  const scraped = await registry.metrics();
  assert.match(scraped, gone('retiring'), 'the count made after the close is scraped');
  await waitUntil(async () => !(await registry.metrics()).includes('endpoint="retiring"'), { timeoutMs: 10_000, what: 'the series to leave after their last scrape' });
});

test('metrics retire – a retiring endpoint\'s name is taken over by a new one; one still open keeps its own', () => {
  const registry = new Registry();
  const old = new InboundMetrics('pos', registry);
  old.retire(new Promise<void>(() => undefined), 60_000);
  assert.equal(old.retiring, true);
  const next = new InboundMetrics('pos', registry);
  assert.equal(old.retiring, false, 'released on take-over');
  assert.throws(() => new InboundMetrics('pos', registry), { code: 'ISO8583_ERR_INBOUND_OPTIONS' });
  next.release();
});

test('metrics retire – a sequence that had timed out when the close ran counts its late reply on series still scraped', async (t) => {
  const registry = new Registry();
  const { held, sequence } = heldSequence();
  const endpoint = createInboundEndpoint({ port: 0, name: 'timed-out', registry, sequence, sequenceTimeout: 200 });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await within(client.request(purchase(1)), 10_000, 'the timeout answer');
  assert.equal(reply.fields['39'], '96');
  await endpoint.close({ deadline: 0 });
  held.open();
  await waitUntil(() => endpoint.stats().errorsByCode['ISO8583_ERR_INBOUND_LATE_REPLY'] === 1, { timeoutMs: 10_000, what: 'the late reply to be counted' });
  const scraped = await registry.metrics();
  assert.match(scraped, /iso8583_inbound_errors_total\{endpoint="timed-out",code="ISO8583_ERR_INBOUND_LATE_REPLY"\} 1/, 'the late reply counted after the close is scraped');
  await waitUntil(async () => !(await registry.metrics()).includes('endpoint="timed-out"'), { timeoutMs: 10_000, what: 'the series to leave after their last scrape' });
});

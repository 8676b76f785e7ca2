// An inbound endpoint's metrics released (on close): its name is free again on the shared Registry and its series
// leave it, so endpoints made and closed one after the other leave nothing behind (metrics.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { InboundMetrics } from '../src/metrics.js';

const series = async (registry: Registry): Promise<number> => (await registry.metrics()).split('\n').filter((l) => l.startsWith('iso8583_inbound_')).length;

test('endpoints made and released one after the other on one Registry: names free again, series flat', async () => {
  const registry = new Registry();
  const live = new InboundMetrics('live', registry);
  live.message('0200');
  const before = await series(registry);
  for (let i = 0; i < 30; i++) {
    const m = new InboundMetrics('pos', registry);
    m.message('0200');
    m.reply('0210', '00');
    assert.ok((await series(registry)) > before);
    assert.throws(() => new InboundMetrics('pos', registry), { code: 'ISO8583_ERR_INBOUND_OPTIONS' }, 'a live endpoint keeps its name');
    m.release();
    m.release();
  }
  assert.equal(await series(registry), before);
  assert.match(await registry.metrics(), /iso8583_inbound_messages_total\{endpoint="live",mti="0200"\} 1/);
});

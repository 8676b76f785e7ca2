// A host whose field 39 is variable (an..25) answers with a test PAN in it: the code never shows as it is in the
// connector's SocketQueue faultStat, the inbound endpoint's response_code label or `iso8583 load`'s outcome keys
// (`invalid` beyond 1-3 letters or digits, the connector's responseCodeOf rule). Real sockets, the real binary.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createInboundEndpoint } from '@iso8583/inbound';
import { runCli } from './cli-process.js';

const PAN = '4111111111111111';
const base = resolveDialect('iso87ascii');
const DIALECT = {
  ...structuredClone(base),
  name: 'rc-var',
  fields: { ...structuredClone(base.fields), 39: { name: 'RESPONSE CODE', type: 'an', length: 25, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } } },
} as Dialect;

async function panHost(t: TestContext): Promise<{ port: number; endpoint: ReturnType<typeof createInboundEndpoint> }> {
  const endpoint = createInboundEndpoint({ name: 'host', port: 0, host: '127.0.0.1', dialect: DIALECT, sequence: (m) => ({ ...m.fields, '0': '0210', '39': PAN }) });
  const { port } = await endpoint.start();
  t.after(() => endpoint.close());
  return { port, endpoint };
}

test('a 16-digit field 39 is `invalid` in faultStat and the inbound response_code label, never the digits', async (t) => {
  const { port, endpoint } = await panHost(t);
  const c = createConnector({ host: '127.0.0.1', port, dialect: DIALECT });
  t.after(() => c.destroy());
  const answer = await c.request({ '0': '0200', '3': '000000', '4': '000000001000', '11': '000001', '41': 'TERM0001' });
  assert.equal(answer['39'], PAN);
  const s = c.stats();
  assert.deepEqual(s.byResponseCode, { invalid: 1 });
  assert.deepEqual(s.socketQueue.faultStat, { invalid: 1 });
  const replies = await endpoint.registry.getSingleMetricAsString('iso8583_inbound_replies_total');
  assert.match(replies, /iso8583_inbound_replies_total\{endpoint="host",mti="0210",response_code="invalid"\} 1/);
  assert.doesNotMatch(replies, new RegExp(PAN));
  assert.deepEqual(endpoint.stats().byResponseCode, { invalid: 1 });
});

test('iso8583 load: a 16-digit field 39 is the outcome `invalid`, never the digits', async (t) => {
  const { port } = await panHost(t);
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-rc-var-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'rc-var.json');
  writeFileSync(file, JSON.stringify(DIALECT));
  const r = await runCli(['load', '--port', String(port), '--dialect', file, '--clients', '1', '--count', '2', '--json', '--quiet']);
  assert.equal(r.code === 0 || r.code === 1, true, r.stderr);
  const summary = JSON.parse(r.stdout) as { outcomes: Record<string, number> };
  assert.deepEqual(summary.outcomes, { invalid: 2 });
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(PAN));
});

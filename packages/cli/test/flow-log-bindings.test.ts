// The log lines of a flow's connectors and endpoints name each once: `connector` with the connector's name,
// `endpoint` with the endpoint's `name` (which may differ from its key), never a second time with another value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from './cli-process.js';

test('flow logs – a connector and an endpoint (its name not its key) are each named once per line', async (t) => {
  const bank = await startCli(['simulate-host', '--port', '0']);
  t.after(() => bank.stop());
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-log-bindings-'));
  writeFileSync(join(dir, 'forward.mjs'), 'export default (message, context) => context.connectors.bank.sendMessage(message.xml);\n');
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({
    connectors: { bank: { host: '127.0.0.1', port: bank.port } },
    inboundEndpoints: { pos: { port: 0, name: 'pos-east', sequence: './forward.mjs' } },
    logLevel: 'info',
  }));
  const flow = await startCli(['run', file]);
  t.after(() => flow.stop());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Through the endpoint and the connector: both have logged (listening, connected) by the time the answer is back.
  const sent = await runCli(['send', '--port', String(flow.port)], '{"0":"0800","11":"000001","70":"301"}');
  assert.equal(sent.code, 0, sent.stderr);
  const r = await flow.stop();
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('{'));
  const named = (key: string): string[][] =>
    lines.map((l) => [...l.matchAll(new RegExp(`"${key}":"([^"]*)"`, 'g'))].map((m) => m[1] as string)).filter((v) => v.length > 0);
  const endpoints = named('endpoint');
  const connectors = named('connector');
  assert.ok(endpoints.length > 0 && connectors.length > 0, r.stderr);
  for (const names of endpoints) assert.deepEqual(names, ['pos-east']);
  for (const names of connectors) assert.deepEqual(names, ['bank']);
});

// `${VAR}` placeholders of a flow file take the type of the key they stand for: a number or a boolean where the flow
// schema takes one, text where it takes text (a TPDU header or a name made of digits stays text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFlow } from '../src/index.js';
import { runCli } from './cli-process.js';
import { flowPathProblems } from './flow-problems.js';

type After = { after(fn: () => unknown): void };

// The variables are named PH_* so that none is likely set where the tests run (the --check child inherits the
// environment).

function flowFile(t: After, flow: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-placeholders-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify(flow, null, 2));
  return file;
}

const FLOW = {
  name: '${PH_FLOW_NAME:-2026}',
  connectors: {
    bank: {
      host: '${PH_BANK_HOST:-127.0.0.1}',
      port: '${PH_BANK_PORT:-8583}',
      headerBytes: '${PH_TPDU_BYTES:-5}',
      header: '${PH_TPDU:-6000010000}',
      reversal: { enabled: '${PH_REVERSAL:-false}' },
    },
  },
  inboundEndpoints: { pos: { port: '${PH_POS_PORT:-0}', name: '${PH_POS_NAME:-4000}', sequence: 'host-simulator' } },
  http: { port: '${PH_HTTP_PORT:-0}', routes: { bank: '${PH_ROUTE:-/bank}' } },
};

test('flow placeholders – digits stay text where the key takes text (a TPDU header, a name), numbers and booleans where it takes those', (t) => {
  const file = flowFile(t, FLOW);
  for (const env of [{}, { PH_TPDU: '6000030000', PH_POS_NAME: '0042', PH_FLOW_NAME: '7', PH_BANK_PORT: '9000', PH_REVERSAL: 'false' }]) {
    const flow = loadFlow(file, env);
    const bank = flow.connectors.bank as Record<string, unknown>;
    assert.equal(bank.header, env.PH_TPDU ?? '6000010000');
    assert.equal(bank.port, Number(env.PH_BANK_PORT ?? 8583));
    assert.equal(bank.headerBytes, 5);
    assert.deepEqual(bank.reversal, { enabled: false });
    assert.equal(flow.inboundEndpoints.pos?.name, env.PH_POS_NAME ?? '4000');
    assert.equal(flow.inboundEndpoints.pos?.port, 0);
    assert.equal(flow.name, env.PH_FLOW_NAME ?? '2026');
    assert.deepEqual(flow.http, { port: 0, routes: { bank: '/bank' } });
  }
});

test('flow placeholders – text where a number is due is still refused at its path', (t) => {
  const file = flowFile(t, FLOW);
  assert.deepEqual(flowPathProblems(file, { PH_BANK_PORT: 'eighty', PH_REVERSAL: 'yes' }), ['/connectors/bank/port: must be integer', '/connectors/bank/reversal/enabled: must be boolean']);
});

test('flow placeholders – run --check of a flow whose TPDU header comes from a placeholder default says it is valid', async (t) => {
  const file = flowFile(t, FLOW);
  const r = await runCli(['run', file, '--check']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'flow 2026 is valid\n');
});

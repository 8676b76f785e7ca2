// A flow file takes the connector's store-and-forward options (`saf`, and the `reversal` aliases), checked against the
// same schema as the library: a bad one is refused naming its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { validateConnectorOptions } from '@iso8583/connector';
import { loadFlow } from '../src/flow/load.js';

function flowFile(t: { after(fn: () => void): void }, connector: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-saf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify({ connectors: { bank: { host: '127.0.0.1', port: 9, ...connector } } }));
  return file;
}

test('flow file – saf options are accepted and reach the connector as the library resolves them', (t) => {
  const saf = { enabled: true, journalDir: '/var/lib/iso/bank', initialDelay: 100, retryInterval: 500, messageInterval: 20, maxAttempts: 5, expireAfter: 60000, endCodes: ['94', '12'] };
  const flow = loadFlow(flowFile(t, { reversal: { enabled: true }, saf }));
  const options = flow.connectors['bank'] as Record<string, unknown>;
  assert.deepEqual(options['saf'], saf);
  const resolved = validateConnectorOptions(options);
  assert.equal(resolved.saf.expireAfter, 60000);
  assert.deepEqual(resolved.saf.endCodes, ['94', '12']);
  assert.equal(resolved.reversal.retryInterval, 500, 'the reversal options read the queue they share');
});

test('flow file – a bad saf option is refused naming its path', (t) => {
  const file = flowFile(t, { saf: { enabled: true, journalDir: '/x', endCodes: ['9'], expireAfter: -1 } });
  assert.throws(
    () => loadFlow(file),
    (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.equal(err.code, 'ISO8583_ERR_FLOW_INVALID');
      assert.deepEqual(err.problems?.map((p) => p.field.split(' ')[1]).sort(), ['/connectors/bank/saf/endCodes/0', '/connectors/bank/saf/expireAfter']);
      return true;
    },
  );
});

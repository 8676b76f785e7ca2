// The example flows forward with `examples/sequences/forward.ts` and `on-error.ts`, which promise that a purchase given
// up on, or an approval the terminal never got, is reversed: every connector of theirs has `reversal.enabled` (off by
// default in the connector), its journal placed in the per-user state folder (never the working folder).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { loadFlow } from '../src/index.js';

for (const name of ['payments.json', 'two-banks.json']) {
  test(`examples/flows/${name}: every connector reverses (reversal.enabled), its journal in the state folder`, () => {
    const flow = loadFlow(join(repoRoot(), 'examples', 'flows', name));
    const connectors = Object.entries(flow.connectors);
    assert.ok(connectors.length > 0);
    for (const [connector, options] of connectors) {
      const reversal = (options as { reversal?: { enabled?: unknown; journalDir?: unknown } }).reversal;
      assert.equal(reversal?.enabled, true, `${name}: /connectors/${connector}/reversal/enabled`);
      assert.match(String(reversal?.journalDir), new RegExp(`iso8583[/\\\\]${flow.name}\\.${connector}$`));
    }
  });
}

// countingListener's `accepted()` counts the connections made before its probe, not its own earlier probes: a second
// call with nothing else connected is 0 again, one more connection makes it 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { countingListener } from '../src/index.js';

test('countingListener – accepted() leaves out its own probes; another connection counts', async (t) => {
  const host = await countingListener(t);
  assert.equal(await host.accepted(), 0);
  assert.equal(await host.accepted(), 0, 'the first probe is not counted by the second');
  const other = connect(host.port, '127.0.0.1');
  t.after(() => other.destroy());
  other.on('error', () => undefined);
  await new Promise<void>((resolve) => other.once('connect', () => resolve()));
  assert.equal(await host.accepted(), 1);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InboundMetrics } from '../src/metrics.js';

test('reply counts – by response code summed over MTIs, by MTI and code apart, also for codes read from XML', () => {
  const metrics = new InboundMetrics('counts');
  // Fresh strings, as a reply read from XML gives them (not the literals of the code).
  const fresh = (s: string): string => Buffer.from(s).toString('latin1');
  metrics.reply('0210', '00');
  metrics.reply(fresh('0210'), fresh('00'));
  metrics.reply('0110', '00');
  metrics.reply('0210', '51');
  metrics.reply('0810', 'none');
  const stats = metrics.snapshot();
  assert.equal(stats.replies, 5);
  assert.deepEqual(stats.byResponseCode, { '00': 3, '51': 1, none: 1 });
  assert.deepEqual(
    [...metrics.replies].sort(),
    [['0110\u000000', 1], ['0210\u000000', 2], ['0210\u000051', 1], ['0810\u0000none', 1]],
  );
  // A snapshot is a copy: later replies do not change it.
  metrics.reply('0210', '00');
  assert.equal(stats.byResponseCode['00'], 3);
  assert.equal(metrics.snapshot().byResponseCode['00'], 4);
});

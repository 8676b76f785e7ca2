// Node.js timers clamp a delay of 2^31 ms or more to 1 ms: every duration option of the endpoint is bounded by the
// schema in connector-manifest.json (2147483647, the connector's MAX_TIMER_DELAY) and a larger one is refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iso8583Error } from '@iso8583/codec';
import { validateInboundOptions } from '../src/index.js';

const sequence = (): undefined => undefined;
/** The longest delay a Node.js timer honours (the connector exports it as MAX_TIMER_DELAY). */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

for (const option of ['sequenceTimeout', 'idleTimeout', 'readTimeout']) {
  test(`validateInboundOptions – ${option} of 2^31 ms is refused naming it; 2^31 - 1 is accepted`, () => {
    assert.throws(
      () => validateInboundOptions({ port: 0, sequence, [option]: MAX_TIMER_DELAY + 1 }),
      (err: Iso8583Error) => {
        assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
        assert.deepEqual(err.problems?.map((p) => p.field), [option]);
        return true;
      },
    );
    const resolved = validateInboundOptions({ port: 0, sequence, [option]: MAX_TIMER_DELAY }) as unknown as Record<string, unknown>;
    assert.equal(resolved[option], MAX_TIMER_DELAY);
  });
}

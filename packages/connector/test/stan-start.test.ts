// The first STAN of a connector's counter (`STAN_START`, internal: tests pin it) is an integer from 1 to 999999: another
// gave wrong STANs (0: 000000; NaN: `000NaN` for every request; -5: `0000-5`; 1.5: `0001.5`) or started elsewhere
// (1000000: 000001). Refused, coded, naming it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConnector } from '../src/index.js';
import type { ConnectorOptions } from '../src/index.js';
import { STAN_START, StanCounter } from '../src/auto-fill.js';

test('STAN_START: a first STAN that is not an integer from 1 to 999999 is refused, naming it; 1 and 999999 are kept', () => {
  for (const start of [0, 1_000_000, Number.NaN, -5, 1.5, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => createConnector({ host: '127.0.0.1', port: 1, autoFill: { stan: true }, [STAN_START]: start } as ConnectorOptions),
      (err: { code?: string; field?: string; message: string }) =>
        err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.field === 'STAN_START' && err.message.includes('from 1 to 999999'),
      String(start),
    );
  }
  const first = new StanCounter(1);
  assert.equal(first.next(), '000001');
  const last = new StanCounter(999_999);
  assert.deepEqual([last.next(), last.next()], ['999999', '000001']);
  // The default: a random point, always six digits.
  assert.match(new StanCounter().next(), /^\d{6}$/);
});

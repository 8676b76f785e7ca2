// A logger shaped as a pino one is but without pino's extras (`isLevelEnabled`, `levels`: a bunyan-style logger) works
// for sequences too: `context.logger` calls its level methods (card data masked); it used to make every logging
// sequence fail (96). One without the level methods is refused at options time, naming `logger`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iso8583Error } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Logger } from 'pino';
import { createInboundEndpoint } from '../src/index.js';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

test('logger – a bunyan-shaped logger (no isLevelEnabled, no levels): a sequence that logs is answered, its line masked', async (t) => {
  const lines: unknown[][] = [];
  const logger = {
    child() {
      return this;
    },
    trace: () => undefined,
    debug: () => undefined,
    info: (...args: unknown[]) => void lines.push(args),
    warn: (...args: unknown[]) => void lines.push(args),
    error: (...args: unknown[]) => void lines.push(args),
    fatal: (...args: unknown[]) => void lines.push(args),
  };
  const sequence: Sequence = (m, context) => {
    context.logger.info({ fields: m.fields }, 'authorising');
    return approveAll(m, context);
  };
  const { endpoint, port } = await startEndpoint(t, { sequence, logger: logger as unknown as Logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(1)), 5_000, 'no reply')).fields['39'], '00');
  assert.deepEqual(endpoint.stats().errorsByCode, {});
  const line = lines.find((args) => args[1] === 'authorising');
  assert.ok(line !== undefined, 'the sequence\'s line was written');
  assert.ok(!JSON.stringify(line).includes('4111111111111111'), 'the PAN is masked');
});

test('logger – one without the level methods is an options error naming logger', () => {
  assert.throws(
    () => createInboundEndpoint({ port: 0, sequence: approveAll, logger: { child() { return this; }, info: () => undefined } as unknown as Logger }),
    (err: Iso8583Error) => {
      assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS');
      assert.deepEqual((err.problems ?? []).map((p) => p.field), ['logger']);
      assert.match(err.message, /logger.*trace\(\), debug\(\), warn\(\), error\(\), fatal\(\)/);
      return true;
    },
  );
});

// Two purchases pipelined on one HTTP connection, both at the bank when a graceful stop begins: the stop delivers
// both answers, and only the last closes the connection. Before, every answer during a stop said `Connection: close`:
// Node closed the connection after the first, and the second approval was reversed while its client was connected and
// waiting. The real gateway binary, a real bank endpoint, a raw client socket on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import { PAN, heldBankPipeline, pipelinedPurchase } from './helpers/held-bank-pipeline.js';

test('gateway HTTP – a graceful stop delivers the answers of requests pipelined on one connection', async (t) => {
  const { ports, http, atBank, release, write, got, closed } = await heldBankPipeline(t);
  write(pipelinedPurchase(http, '000101', 'TERM0001') + pipelinedPurchase(http, '000102', 'TERM0002'));
  await waitUntil(() => atBank() === 2, { what: 'both purchases to be at the bank' });
  const stopped = ports.stop();
  await waitUntil(() => /gateway stopping/.test(ports.stderr()), { what: 'the stop to begin' });
  release();
  await within(closed, 30_000, 'the connection to close');
  const stderr = await within(stopped, 30_000, 'the gateway to stop');
  const statuses = [...got().matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200'], 'both answers delivered on the connection');
  const closing = [...got().matchAll(/\r\nconnection: (\S+)/gi)].map((m) => m[1]?.toLowerCase());
  assert.deepEqual(closing, ['keep-alive', 'close'], 'only the last answer closes the connection');
  assert.deepEqual(stderr.split('\n').filter((line) => /could not be delivered/.test(line)), [], 'no approval taken for undelivered');
  assert.doesNotMatch(stderr, new RegExp(PAN), 'no PAN in the log');
});

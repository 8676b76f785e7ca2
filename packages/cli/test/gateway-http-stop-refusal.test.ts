// A request that reaches the routes while the HTTP port closes (here one pipelined behind 32 purchases at the bank,
// held back by the pipelining bound until they are answered) is refused 503 with a code, in the port's refusal shape,
// and the 32 answers before it are delivered. Before, Fastify's own 503 answered it with no ISO8583_ERR_ code.
// The real gateway binary, a real bank endpoint, a raw client socket on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { waitUntil, within } from '@iso8583/test-support';
import { MAX_PIPELINED } from '../src/http/pipeline-cap.js';
import { PAN, heldBankPipeline, pipelinedPurchase } from './helpers/held-bank-pipeline.js';

/** Whether a new connection to `port` is refused (the port has stopped listening: its app is closing). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

test('gateway HTTP – a request reaching the routes while the port closes is refused 503 coded; the answers before it are delivered', async (t) => {
  const { ports, http, atBank, release, write, got, closed } = await heldBankPipeline(t);
  let flood = '';
  for (let n = 1; n <= MAX_PIPELINED + 1; n++) flood += pipelinedPurchase(http, String(n).padStart(6, '0'), 'TERM0001');
  write(flood);
  await waitUntil(() => atBank() >= 1, { what: 'the purchases to reach the bank' });
  const stopped = ports.stop();
  await waitUntil(() => refused(http), { what: 'the HTTP port to close' });
  release();
  await within(closed, 30_000, 'the connection to close');
  const stderr = await within(stopped, 30_000, 'the gateway to stop');
  const text = got();
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
  assert.equal(statuses.length, MAX_PIPELINED + 1, `every request answered: ${statuses.join(',')}`);
  assert.equal(statuses.at(-1), '503', 'the one handed on while closing is refused');
  assert.deepEqual(new Set(statuses.slice(0, -1)), new Set(['200']), 'the purchases at the bank are delivered');
  const last = text.slice(text.lastIndexOf('HTTP/1.1 '));
  assert.match(last, /ISO8583_ERR_CONNECTOR_CLOSED/, 'the refusal is coded');
  assert.deepEqual(stderr.split('\n').filter((line) => /could not be delivered/.test(line)), [], 'no approval taken for undelivered');
  assert.doesNotMatch(stderr, new RegExp(PAN), 'no PAN in the log');
});

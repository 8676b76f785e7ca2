// What a flow's stop counts to fail when an approval's reversal could be neither stored nor sent during it: the
// `not-reversed` outcomes of late-approval.ts's counter only (none before the first undelivered approval), and the
// coded error the stop then fails with (exit 1), its line at error with the count, no card data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { notReversed, notReversedError } from '../src/flow/not-reversed.js';

test('notReversed counts the not-reversed outcomes of the undelivered approvals, 0 before the metric exists', async () => {
  const registry = new Registry();
  assert.equal(await notReversed(registry), 0);
  const counter = new Counter({ name: 'iso8583_gateway_undelivered_approvals_total', help: 'h', labelNames: ['reason', 'side', 'outcome'], registers: [registry] });
  counter.inc({ reason: 'client-gone', side: 'pos', outcome: 'reversed' });
  counter.inc({ reason: 'client-gone', side: 'pos', outcome: 'not-reversed' });
  counter.inc({ reason: 'sequence-failed', side: 'http', outcome: 'not-reversed' }, 2);
  assert.equal(await notReversed(registry), 3);
});

test('notReversedError: ISO8583_ERR_FLOW_NOT_REVERSED, logged at error with the count', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const err = notReversedError(logger, 'flow f', 2);
  assert.equal(err.code, 'ISO8583_ERR_FLOW_NOT_REVERSED');
  assert.match(err.message, /^2 approvals the client never got could be neither stored as a reversal nor sent during the stop: reverse them by hand/);
  logger.flush();
  const line = JSON.parse(lines.join('')) as { level: number; code: string; notReversed: number; msg: string };
  assert.equal(line.level, 50);
  assert.equal(line.code, 'ISO8583_ERR_FLOW_NOT_REVERSED');
  assert.equal(line.notReversed, 2);
  assert.match(line.msg, /^flow f: 2 approvals/);
});

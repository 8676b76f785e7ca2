// What fails a graceful stop of `gateway` or `run` (stop-failure.ts): a part's close that failed (its error as it
// is), a journal lost during the run, approvals not reversed during the stop; each cause logged at error with counts,
// never card data, and `{}` when nothing failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { notReversedError, stopFailure } from '../src/stop-failure.js';

function capture(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { out.push(chunk.toString()); done(); } }));
  return { logger, lines: () => out.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('notReversedError: ISO8583_ERR_NOT_REVERSED, logged at error with the count', () => {
  const { logger, lines } = capture();
  const err = notReversedError(logger, 'flow f', 2);
  assert.equal(err.code, 'ISO8583_ERR_NOT_REVERSED');
  assert.match(err.message, /^2 approvals the client never got could not be reversed during the stop \(neither stored as a reversal nor sent\): reverse them by hand/);
  const [line] = lines();
  assert.equal(line?.level, 50);
  assert.equal(line?.code, 'ISO8583_ERR_NOT_REVERSED');
  assert.equal(line?.notReversed, 2);
  assert.match(String(line?.msg), /^flow f: 2 approvals/);
  assert.match(notReversedError(logger, 'gateway', 1).message, /^1 approval the client never got .*: reverse it by hand/);
});

test('stopFailure: nothing failed is {} and logs nothing', () => {
  const { logger, lines } = capture();
  assert.deepEqual(stopFailure(logger, 'gateway', { failure: undefined, lost: [], notReversed: 0 }), {});
  assert.deepEqual(lines(), []);
});

test('stopFailure: approvals not reversed fail the stop with their code', () => {
  const { logger, lines } = capture();
  const { error, code } = stopFailure(logger, 'gateway', { failure: undefined, lost: [], notReversed: 3 });
  assert.equal(code, 'ISO8583_ERR_NOT_REVERSED');
  assert.equal((error as { code?: string }).code, 'ISO8583_ERR_NOT_REVERSED');
  assert.equal(lines()[0]?.notReversed, 3);
});

test('stopFailure: a lost journal comes before approvals not reversed; both are logged', () => {
  const { logger, lines } = capture();
  const lost = [{ where: '/var/j', reason: 'its file /var/j/reversals.jsonl was removed', recordsLost: true, inMemory: 2 }];
  const { code } = stopFailure(logger, 'flow f', { failure: undefined, lost, notReversed: 1 });
  assert.equal(code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.deepEqual(lines().map((l) => l.code), ['ISO8583_ERR_CONNECTOR_JOURNAL', 'ISO8583_ERR_NOT_REVERSED']);
});

test('stopFailure: a failed close is the stop\'s error as it is (its code when it is one of ours, else none)', () => {
  const { logger } = capture();
  const coded = Object.assign(new Error('x'), { code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
  assert.deepEqual(stopFailure(logger, 'gateway', { failure: { err: coded }, lost: [], notReversed: 1 }), { error: coded, code: 'ISO8583_ERR_CONNECTOR_CLOSED' });
  const plain = new Error('y');
  assert.equal(stopFailure(logger, 'gateway', { failure: { err: plain }, lost: [], notReversed: 0 }).error, plain);
});

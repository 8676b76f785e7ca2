// The per-terminal queue and a caller's abort (the request's `signal`, an inbound sequence whose sequenceTimeout
// passed): a request aborted while it waits for its terminal's turn leaves the queue at once, never written (ABORTED,
// its reason told sent 'no'), the others keep their order, and no abort listener stays behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { within } from '@iso8583/test-support';
import { TerminalQueue } from '../src/terminal-queue.js';
import { upstreamFailureCode } from '../src/index.js';
import { failure } from './helpers/failure.js';

/** A promise and the function that settles it: the test decides when a task at the host ends. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

test('terminal queue – a request aborted while it waits fails at once (ABORTED, no), before the terminal is free; the rest run in order', async () => {
  const queue = new TerminalQueue(10, 60_000);
  const ran: string[] = [];
  const first = gate();
  const task = (name: string, until?: Promise<void>) => async (): Promise<string> => {
    ran.push(name);
    await until;
    return name;
  };
  const a = queue.run('TERM0001', task('a', first.opened), undefined, '0200');
  const controller = new AbortController();
  const reason: { code: string; sent?: string } = { code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' };
  const b = failure(queue.run('TERM0001', task('b'), undefined, '0200', controller.signal));
  const later = new AbortController();
  const c = queue.run('TERM0001', task('c'), undefined, '0200', later.signal);
  const d = queue.run('TERM0001', task('d'), undefined, '0200');
  assert.equal(queue.waiting, 3);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1, 'listened to while it waits');
  controller.abort(reason);
  // The terminal is still busy with `a` (its gate shut): the abort alone ended b's wait.
  const err = await within(b, 10_000, 'the aborted request ends its wait while the terminal is busy');
  assert.deepEqual([err.code, err.mti, err.field], ['ISO8583_ERR_CONNECTOR_ABORTED', '0200', 'signal']);
  assert.match(err.message, /before it was written/);
  assert.equal(reason.sent, 'no', 'the abort\'s reason is told the request never reached the host');
  assert.equal(upstreamFailureCode(reason), '91');
  assert.equal(queue.waiting, 2);
  assert.deepEqual(ran, ['a']);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'no listener left on the aborted signal');
  first.open();
  assert.deepEqual(await Promise.all([a, c, d]), ['a', 'c', 'd']);
  assert.deepEqual(ran, ['a', 'c', 'd'], 'b never ran; the others in their order');
  assert.equal(queue.waiting, 0);
  assert.equal(getEventListeners(later.signal, 'abort').length, 0, 'a request whose turn came is no longer listened to');
});

test('terminal queue – an already aborted signal is refused unqueued; the queue\'s timeout and destroy leave no listener', async () => {
  const queue = new TerminalQueue(10, 60_000);
  const first = gate();
  const a = queue.run('TERM0002', () => first.opened.then(() => 'a'));
  const gone = new AbortController();
  gone.abort({ code: 'ISO8583_ERR_INBOUND_SEQUENCE_TIMEOUT' });
  const refused = await failure(queue.run('TERM0002', () => Promise.resolve('x'), undefined, '0100', gone.signal));
  assert.equal(refused.code, 'ISO8583_ERR_CONNECTOR_ABORTED');
  assert.equal(queue.waiting, 0);
  // A wait that the deadline ends (already passed) and one that destroy ends: neither leaves its listener behind.
  const timed = new AbortController();
  const late = failure(queue.run('TERM0002', () => Promise.resolve('t'), performance.now() - 1, '0200', timed.signal));
  const dropped = new AbortController();
  const destroyed = failure(queue.run('TERM0002', () => Promise.resolve('d'), undefined, '0200', dropped.signal));
  assert.equal((await late).code, 'ISO8583_ERR_CONNECTOR_DEADLINE');
  queue.rejectAll(new Error('destroyed'));
  assert.equal((await destroyed).message, 'destroyed');
  assert.equal(getEventListeners(timed.signal, 'abort').length, 0);
  assert.equal(getEventListeners(dropped.signal, 'abort').length, 0);
  first.open();
  assert.equal(await a, 'a');
});

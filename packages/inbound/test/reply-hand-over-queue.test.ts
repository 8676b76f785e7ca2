// The process's queue of hand-overs (hand-over-queue.ts), on a clock the test drives: a hand-over of connection A is
// let go by other connections' traffic (or the queue's own pass) once its hold is over, never before, whatever the
// machine's load; one A holds when its entry comes up is let go at a later pass once A holds it no more (not at A's
// next reply, minutes away for a quiet terminal); a stalled event loop does not age a hand-over unseen; a close scans
// nothing of the queue. Two tests drive the process's own queue through performance.now() (as the listener runs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAND_OVER_HOLD_MS, HandOverQueue, QUEUE_MAX } from '../src/hand-over-queue.js';
import { ReplyNotes } from '../src/reply-notes.js';
import { approveAll } from './support/endpoint.js';
import { endpointCore } from './support/endpoint-core.js';
import { fakeClock } from './support/fake-clock.js';

const core = endpointCore('reply-hand-over-queue', approveAll);
const approval = { 0: '0210', 11: '000123', 41: 'TERM0001', 39: '00' };
const told = (): void => undefined;

/** Notes a reply of `notes` (an approval unless `rc` says) and has the kernel take it: its slot. */
function reply(notes: ReplyNotes, backedUp = false, rc = '00'): number {
  const slot = notes.note(core, { ...approval, 39: rc }, rc === '00' ? told : undefined, false);
  notes.taken(slot, backedUp);
  return slot;
}

test('hand-over queue – A\'s hand-over is kept while B\'s replies flow within its hold, let go by them once it is over', () => {
  const clock = fakeClock(0);
  const queue = new HandOverQueue(clock.now, false);
  const a = new ReplyNotes(() => false, queue);
  const b = new ReplyNotes(() => false, queue);
  reply(a);
  assert.equal(a.keptHandOvers, 1);
  // B answers every millisecond (declines: nothing of B kept) until just before A's hold is over.
  clock.step(1, HAND_OVER_HOLD_MS - 1, () => reply(b, false, '05'));
  assert.equal(a.keptHandOvers, 1, 'kept while younger than its hold, however much B sends');
  clock.step(1, 1, () => reply(b, false, '05'));
  assert.equal(a.keptHandOvers, 0, 'let go by B\'s next reply once its hold is over');
});

test('hand-over queue – A backed up: B\'s replies let nothing of A go; once A drains, the queue\'s pass lets it go after its hold, A silent', () => {
  const clock = fakeClock(0);
  const queue = new HandOverQueue(clock.now, false);
  let backedUp = true;
  const a = new ReplyNotes(() => backedUp, queue);
  const b = new ReplyNotes(() => false, queue);
  for (let i = 0; i < 3; i++) reply(a, true);
  clock.step(1, 100, () => reply(b, false, '05'));
  assert.equal(a.keptHandOvers, 3, 'held while A\'s writes wait for its kernel');
  assert.deepEqual(queue.size, { queued: 0, held: 1 }, 'its entries expired, A left to the queue\'s sweep');
  queue.pass(); // A last seen backed up now
  backedUp = false; // A's client read: nothing waits any more; A writes nothing more (a quiet terminal)
  clock.step(1, HAND_OVER_HOLD_MS - 1, () => queue.pass());
  assert.equal(a.keptHandOvers, 3, 'kept for a hold after A was last seen backed up');
  clock.step(1, 1, () => queue.pass());
  assert.equal(a.keptHandOvers, 0, 'let go by the queue\'s pass, A having replied nothing since');
  assert.deepEqual(queue.size, { queued: 0, held: 0 }, 'the queue holds nothing more of A');
});

test('hand-over queue – a close with a full queue scans none of it', () => {
  const clock = fakeClock(0);
  const queue = new HandOverQueue(clock.now, false);
  const busy = new ReplyNotes(() => true, queue);
  const closing = new ReplyNotes(() => false, queue);
  // Notes hold only the newest 256 hand-overs, but the queue orders every one: fill it from many "connections", the
  // closing one's entry last (a scan for it would look at every entry before it).
  const others = Array.from({ length: QUEUE_MAX / 256 }, () => new ReplyNotes(() => true, queue));
  for (const [n, notes] of others.entries()) for (let i = n === others.length - 1 ? 1 : 0; i < 256; i++) reply(notes, true);
  reply(closing);
  assert.equal(queue.size.queued, QUEUE_MAX, 'the queue is full');
  const visited = queue.visited;
  closing.close();
  assert.equal(closing.queued, 1, 'its entry left in the queue, skipped when it comes up (no scan removed it)');
  busy.close();
  assert.equal(queue.visited, visited, 'no entry looked at by the closes');
  assert.equal(closing.closed, true);
});

test('hand-over queue – full: a hand-over it cannot order is let go by the queue\'s pass after its hold, its connection silent', () => {
  const clock = fakeClock(0);
  const queue = new HandOverQueue(clock.now, false, 4);
  const others = new ReplyNotes(() => true, queue); // a client not reading: its four entries fill the queue
  for (let i = 0; i < 4; i++) reply(others, true);
  const quiet = new ReplyNotes(() => false, queue);
  reply(quiet); // kept in its ring, not queued
  assert.deepEqual(queue.size, { queued: 4, held: 1 }, 'not queued: its connection swept at each pass instead');
  clock.step(1, HAND_OVER_HOLD_MS - 1, () => queue.pass());
  assert.equal(quiet.keptHandOvers, 1, 'kept for its hold');
  clock.step(1, 1, () => queue.pass());
  assert.equal(quiet.keptHandOvers, 0, 'let go by the queue\'s pass, not left to its connection\'s next reply');
});

test('hand-over queue (the process\'s) – an event loop stalled past the hold does not let a hand-over go unseen; seen time does', (t) => {
  let clock = 50_000;
  t.mock.method(performance, 'now', () => clock);
  const a = new ReplyNotes(); // a client that stopped reading: its writes back up only once its next requests are answered
  const b = new ReplyNotes();
  const slot = a.note(core, approval, told, false);
  a.taken(slot, false);
  clock += 30; // a stall: nothing ran for 30 ms; then B's reply is the first thing to run
  b.taken(b.note(core, { ...approval, 39: '05' }, undefined, false), false);
  assert.equal(a.release(slot, true)?.told, told, 'the stall did not age A\'s hand-over past its hold');
  const next = a.note(core, approval, told, false);
  a.taken(next, false);
  for (let i = 0; i < 4; i++) {
    clock += 5; // the loop runs: B's replies every 5 ms, 20 ms seen
    b.taken(b.note(core, { ...approval, 39: '05' }, undefined, false), false);
  }
  assert.equal(a.release(next, true)?.told, undefined, 'let go once its hold was seen');
});

test('hand-over queue (the process\'s) – one held when its entry came up is let go by later traffic, not only by its own next reply', (t) => {
  let clock = 90_000;
  t.mock.method(performance, 'now', () => clock);
  let backedUp = true;
  const a = new ReplyNotes(() => backedUp);
  const b = new ReplyNotes();
  const slot = a.note(core, approval, told, false);
  a.taken(slot, true);
  const step = (): void => {
    clock += 5;
    b.taken(b.note(core, { ...approval, 39: '05' }, undefined, false), false);
  };
  for (let i = 0; i < 6; i++) step(); // A's entry comes up while A is backed up: held
  backedUp = false;
  for (let i = 0; i < 6; i++) step(); // 30 ms after A drained, A silent
  assert.equal(a.release(slot, true)?.told, undefined, 'let go once no longer held, without a reply of A');
});

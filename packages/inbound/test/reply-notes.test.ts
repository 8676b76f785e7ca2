// The notes of the replies the kernel may hold (reply-notes.ts): a reply lost in a reset of our own is told back from
// its note (MTI, STAN, terminal, response code as text of fixed width; its labels as counted), with its hand-over kept
// only for an approval once the kernel took it, and for the connection's newest KEPT_REVERSIBLE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEPT_REVERSIBLE, ReplyNotes } from '../src/reply-notes.js';
import { HandOverQueue } from '../src/hand-over-queue.js';
import { fakeClock } from './support/fake-clock.js';
import { approveAll } from './support/endpoint.js';
import { endpointCore } from './support/endpoint-core.js';

const core = endpointCore('reply-notes', approveAll);
const approval = { 0: '0210', 11: '000123', 41: 'TERM0001', 39: '00' };

test('ReplyNotes – a lost approval is told back by its note, its hand-over kept once taken; a decline hands nothing over', () => {
  const notes = new ReplyNotes();
  const told = (): void => undefined;
  const a = notes.note(core, approval, told, true);
  const d = notes.note(core, { ...approval, 39: '05' }, told, false);
  notes.taken(a, true);
  notes.taken(d, true);
  const lost = notes.release(a, true);
  assert.deepEqual(lost?.line, approval);
  assert.deepEqual(lost?.label, { mti: '0210', rc: '00' });
  assert.equal(lost?.capped, true);
  assert.equal(lost?.approval, true);
  assert.equal(lost?.told, told);
  const declined = notes.release(d, true);
  assert.equal(declined?.approval, false);
  assert.equal(declined?.told, undefined, 'a decline needs no reversal');
  assert.equal(notes.release(notes.note(core, approval, told, false), false), undefined, 'let go: nothing told');
});

test('ReplyNotes – values longer than their width are cut, counted under the labels they had; absent ones stay absent', () => {
  const notes = new ReplyNotes();
  const slot = notes.note(core, { 0: '0210-and-more', 11: 123, 39: 'LONGCODE' }, undefined, false);
  const lost = notes.release(slot, true);
  assert.deepEqual(lost?.line, { 0: '0210-and', 11: '123', 39: 'LON' });
  assert.deepEqual(lost?.label, { mti: 'other', rc: 'invalid' });
});

test(`ReplyNotes – at most KEPT_REVERSIBLE (${KEPT_REVERSIBLE}) hand-overs per connection, the newest; notes grow past their first slots`, () => {
  const notes = new ReplyNotes();
  const slots: number[] = [];
  for (let i = 0; i < KEPT_REVERSIBLE + 10; i++) {
    const slot = notes.note(core, approval, () => undefined, true);
    notes.taken(slot, true); // backed up: nothing let go by age
    slots.push(slot);
  }
  const kept = slots.map((s) => notes.release(s, true)?.told !== undefined);
  assert.deepEqual(kept.indexOf(true), 10, 'the oldest ten let go');
  assert.equal(kept.filter(Boolean).length, KEPT_REVERSIBLE);
});

test('ReplyNotes – a hand-over held while its connection is backed up outlives other connections\' replies taken later', () => {
  const clock = fakeClock(1_000);
  const queue = new HandOverQueue(clock.now, false);
  const flooding = new ReplyNotes(() => true, queue); // a client not reading: bytes wait for the kernel from now on
  const told = (): void => undefined;
  const kept = flooding.note(core, approval, told, false);
  flooding.taken(kept, true);
  const reading = new ReplyNotes(() => false, queue);
  clock.step(5, 5, () => queue.pass()); // 25 ms in steps of 5: the queue lets go what is 20 ms old
  reading.taken(reading.note(core, approval, told, false), false);
  clock.step(5, 5, () => queue.pass());
  flooding.taken(flooding.note(core, { ...approval, 39: '05' }, undefined, false), true);
  assert.equal(flooding.release(kept, true)?.told, told, 'kept while the connection is backed up');
  const young = reading.note(core, approval, told, false);
  reading.taken(young, false);
  clock.step(5, 5, () => queue.pass());
  reading.taken(reading.note(core, approval, told, false), false);
  assert.equal(reading.release(young, true)?.told, undefined, 'a reading client\'s hand-over is let go after 20 ms');
});

test('ReplyNotes – a closed connection leaves nothing in the process\'s queue to look after', () => {
  const clock = fakeClock(5_000);
  const queue = new HandOverQueue(clock.now, false);
  const closing = new ReplyNotes(() => true, queue);
  for (let i = 0; i < 3; i++) closing.taken(closing.note(core, approval, () => undefined, false), true);
  assert.equal(closing.queued, 3);
  closing.close();
  assert.equal(closing.queued, 3, 'the close scans nothing of the queue: its entries stay until they come up');
  clock.step(5, 5, () => queue.pass());
  const other = new ReplyNotes(() => false, queue);
  other.taken(other.note(core, approval, () => undefined, false), false); // the queue passes the closed one's entries
  assert.equal(closing.queued, 0, 'its entries left the queue as they came up');
  assert.deepEqual(queue.size, { queued: 1, held: 0 }, 'only the other connection\'s entry is queued; the closed one is swept no more');
});

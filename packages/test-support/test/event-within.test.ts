// A wait for an event with a deadline: settles with the event or fails naming what was awaited, and its timer never
// keeps the process alive (counted as node counts what holds its event loop: `process.getActiveResourcesInfo()`).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { eventWithin } from '../src/index.js';

/** The timers that keep this process alive now. */
const liveTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('eventWithin – resolves with the event, and its deadline no longer holds the process', async () => {
  const before = liveTimers();
  const events = new EventEmitter();
  const waiting = eventWithin<string>(60_000, 'no ping', (resolve) => events.once('ping', resolve));
  events.emit('ping', 'pong');
  assert.equal(await waiting, 'pong');
  assert.equal(liveTimers(), before);
});

test('eventWithin – fails with the message read when the deadline passes', async () => {
  const seen: string[] = ['a'];
  const waiting = eventWithin<void>(1, () => `saw ${seen.join(', ')}`, () => undefined);
  seen.push('b');
  await assert.rejects(waiting, { message: 'saw a, b' });
});

test('eventWithin – the executor\'s own reject ends the wait and its deadline', async () => {
  const before = liveTimers();
  await assert.rejects(eventWithin<void>(60_000, 'never', (_, reject) => reject(new Error('gone'))), { message: 'gone' });
  assert.equal(liveTimers(), before);
});

test('eventWithin – a wait no one awaits any more (the loser of a race) does not keep the process alive', async () => {
  const before = liveTimers();
  const events = new EventEmitter();
  const lost = eventWithin<void>(60_000, 'the loser of the race', (resolve) => events.once('never', resolve));
  lost.catch(() => undefined);
  const won = await Promise.race([lost, Promise.resolve('won')]);
  assert.equal(won, 'won');
  assert.equal(liveTimers(), before, 'the 60 s deadline of the lost wait holds the process');
});

test('eventWithin – keepAlive: the deadline holds the process while the wait lasts, and no longer once it ended', async () => {
  const before = liveTimers();
  const events = new EventEmitter();
  const waiting = eventWithin<void>(60_000, 'no tick', (resolve) => events.once('tick', resolve), { keepAlive: true });
  assert.equal(liveTimers(), before + 1);
  events.emit('tick');
  await waiting;
  assert.equal(liveTimers(), before);
});

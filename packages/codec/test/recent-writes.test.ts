// The writes the kernel took, kept while a reset of our own could still lose them (recent-writes.ts): a frame ending
// fewer than RESET_WINDOW bytes before the last byte written is reported at a reset, an older one is not, none twice;
// a socket whose peer reads (never backed up) keeps a frame RESET_HOLD_MS at most, idle or not (memory ~0), while one
// backed up (a peer not reading) keeps it until it has stayed drained that long; from the close's start nothing is let
// go by age.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { RESET_HOLD_MS, RESET_WINDOW, RecentWrites } from '../src/stream/recent-writes.js';

/** The socket's figures RecentWrites reads: `writableLength` (bytes waiting for the kernel) and `destroyed`. */
function socket(): Duplex & { writableLength: number } {
  return { writableLength: 0, destroyed: false } as unknown as Duplex & { writableLength: number };
}

test('RecentWrites – a reset reports the frames within RESET_WINDOW of the last byte written, not older ones, once', () => {
  const told: string[] = [];
  const recent = new RecentWrites(socket());
  const cb = (name: string) => () => void told.push(name);
  recent.add({ start: 0, dropped: [cb('a'), cb('b')], ends: [100, 200] }, 200);
  recent.add({ start: RESET_WINDOW + 100, dropped: [cb('c')], ends: [100] }, RESET_WINDOW + 200);
  for (const d of recent.take(RESET_WINDOW + 200)) d();
  assert.deepEqual(told, ['c']);
  assert.deepEqual(recent.take(RESET_WINDOW + 200), [], 'each frame once');
  recent.add({ start: 0, dropped: [cb('d')], ends: [100] }, RESET_WINDOW);
  assert.equal(recent.size, 0, 'nothing kept after the close');
});

test('RecentWrites – a peer that reads: a frame is let go RESET_HOLD_MS after the kernel took it, idle or not', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const recent = new RecentWrites(socket());
  const d = (): void => undefined;
  recent.add({ start: 0, dropped: [d], ends: [100] }, 100);
  t.mock.timers.tick(RESET_HOLD_MS - 1);
  recent.add({ start: 100, dropped: [d, d], ends: [100, 200] }, 300);
  assert.equal(recent.size, 3, 'kept within RESET_HOLD_MS');
  t.mock.timers.tick(1);
  assert.equal(recent.size, 2, 'the first let go at RESET_HOLD_MS');
  t.mock.timers.tick(RESET_HOLD_MS);
  assert.equal(recent.size, 0, 'an idle connection keeps nothing');
});

test('RecentWrites – a socket seen backed up keeps every frame until drained RESET_HOLD_MS; a close freezes it', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 });
  const s = socket();
  const recent = new RecentWrites(s);
  const d = (): void => undefined;
  s.writableLength = 5000; // bytes waiting for the kernel: the peer is not reading
  recent.add({ start: 0, dropped: [d], ends: [100] }, 100);
  t.mock.timers.tick(RESET_HOLD_MS * 5);
  assert.equal(recent.size, 1, 'kept while backed up');
  s.writableLength = 0;
  t.mock.timers.tick(RESET_HOLD_MS - 1);
  assert.equal(recent.size, 1, 'kept until drained RESET_HOLD_MS');
  recent.freeze();
  t.mock.timers.tick(RESET_HOLD_MS * 5);
  assert.equal(recent.size, 1, 'the close freezes what a reset would lose');
  assert.deepEqual(recent.take(100), [d]);
});

test('RecentWrites – a frame just inside the byte window is reported', () => {
  const recent = new RecentWrites(socket());
  const d = (): void => undefined;
  recent.add({ start: 0, dropped: [d], ends: [100] }, 100);
  assert.deepEqual(recent.take(RESET_WINDOW + 99), [d]);
});

// The tokens of the frames the kernel took, kept while a reset of our own could still lose them (recent-writes.ts):
// a frame ending fewer than RESET_WINDOW bytes before the last byte written is told lost at a reset, an older one let
// go, each token told once; a socket whose peer reads (never backed up) keeps a token RESET_HOLD_MS at most, while one
// backed up (a peer not reading) keeps it until it has stayed drained that long; at most RESET_KEEP_MAX; from the
// close's start nothing is let go by age; a close that is no reset tells nothing. No timer, typed arrays only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { RESET_HOLD_MS, RESET_KEEP_MAX, RESET_WINDOW, RecentWrites } from '../src/stream/recent-writes.js';

/** The socket's figure RecentWrites reads: `writableLength` (bytes waiting for the kernel). */
function socket(): Duplex & { writableLength: number } {
  return { writableLength: 0, destroyed: false } as unknown as Duplex & { writableLength: number };
}

/** A monotonic clock (`performance.now`, what RecentWrites reads) that only `tick` moves. */
function clock(t: { mock: { method: (o: object, m: string, f: () => number) => unknown } }): { tick: (ms: number) => void } {
  let now = 1_000_000;
  t.mock.method(performance, 'now', () => now);
  return { tick: (ms) => void (now += ms) };
}

/** A ring whose `letGo` calls are recorded: `lost` and `released` tokens. */
function ring(s = socket(), keepMax = RESET_KEEP_MAX): { recent: RecentWrites; lost: number[]; released: number[] } {
  const lost: number[] = [];
  const released: number[] = [];
  const recent = new RecentWrites(s, (token, isLost) => void (isLost ? lost : released).push(token), RESET_HOLD_MS, keepMax);
  return { recent, lost, released };
}

test('RecentWrites – a reset tells lost the frames within RESET_WINDOW of the last byte written, lets older ones go, once', () => {
  const { recent, lost, released } = ring();
  recent.add(100, 1, 200);
  recent.add(200, 2, 200);
  recent.add(RESET_WINDOW + 200, 3, RESET_WINDOW + 200);
  assert.equal(recent.size, 1, '1 and 2 let go: out of the window');
  assert.deepEqual(released, [1, 2]);
  recent.resetAt(RESET_WINDOW + 200);
  assert.deepEqual(lost, [3]);
  recent.resetAt(RESET_WINDOW + 200);
  assert.deepEqual(lost, [3], 'each token once');
  recent.add(100, 4, RESET_WINDOW);
  assert.equal(recent.size, 0, 'nothing kept after the close');
  assert.deepEqual(released, [1, 2, 4], 'a token given after the close is let go at once');
});

test('RecentWrites – a frame just inside the byte window is told lost, one just outside let go', () => {
  const { recent, lost, released } = ring();
  recent.add(100, 7, 100);
  recent.add(101, 8, 101);
  recent.resetAt(RESET_WINDOW + 100);
  assert.deepEqual(lost, [8]);
  assert.deepEqual(released, [7]);
});

test('RecentWrites – a peer that reads: a frame is let go RESET_HOLD_MS after the kernel took it (checked at the next)', (t) => {
  const time = clock(t);
  const { recent, released } = ring();
  recent.add(100, 1, 100);
  time.tick(RESET_HOLD_MS - 1);
  recent.add(200, 2, 300);
  recent.add(300, 3, 300);
  assert.equal(recent.size, 3, 'kept within RESET_HOLD_MS');
  time.tick(1);
  recent.add(400, 4, 400);
  assert.deepEqual(released, [1], 'the first let go at RESET_HOLD_MS');
});

test('RecentWrites – a socket seen backed up keeps every frame until drained RESET_HOLD_MS; a close freezes it; a close that is no reset tells nothing', (t) => {
  const time = clock(t);
  const s = socket();
  const { recent, lost, released } = ring(s);
  s.writableLength = 5000; // bytes waiting for the kernel: the peer is not reading
  recent.add(100, 1, 100);
  time.tick(RESET_HOLD_MS * 5);
  recent.add(200, 2, 200);
  s.writableLength = 0;
  time.tick(RESET_HOLD_MS - 1);
  recent.add(300, 3, 300);
  assert.equal(recent.size, 3, 'kept until drained RESET_HOLD_MS');
  recent.freeze();
  time.tick(5 * RESET_HOLD_MS);
  recent.add(400, 4, 400);
  assert.equal(recent.size, 4, 'the close freezes what a reset would lose');
  recent.resetAt(400);
  assert.deepEqual(lost, [1, 2, 3, 4]);
  assert.deepEqual(released, []);
  const other = ring();
  other.recent.add(100, 9, 100);
  other.recent.forget();
  other.recent.resetAt(100);
  assert.deepEqual([...other.lost, ...other.released], [], 'a close that is no reset tells nothing');
});

test('RecentWrites – at most RESET_KEEP_MAX frames are kept (16,384), the oldest let go first; the ring grows past its first slots in order', () => {
  assert.equal(RESET_KEEP_MAX, 16_384);
  const small = ring(socket(), 4);
  for (let i = 0; i < 6; i++) small.recent.add((i + 1) * 100, i, (i + 1) * 100);
  assert.equal(small.recent.size, 4);
  assert.deepEqual(small.released, [0, 1]);
  small.recent.resetAt(600);
  assert.deepEqual(small.lost, [2, 3, 4, 5], 'the newest four');
  const big = ring();
  for (let i = 0; i < 1000; i++) big.recent.add(i + 1, i, i + 1);
  big.recent.resetAt(1000);
  assert.deepEqual(big.lost, Array.from({ length: 1000 }, (_, i) => i), 'every token once, in order, across growths');
});

test('RecentWrites – ages by the monotonic clock: a wall-clock step (NTP) lets nothing go', (t) => {
  clock(t);
  t.mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  const { recent, released } = ring();
  recent.add(100, 1, 100);
  t.mock.timers.tick(3600_000); // the wall clock jumps an hour; no time passed
  recent.add(200, 2, 200);
  assert.deepEqual(released, [], 'nothing let go by a wall-clock step');
  assert.equal(recent.size, 2);
});

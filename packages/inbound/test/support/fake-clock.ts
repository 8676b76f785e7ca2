// A clock tests drive (milliseconds, monotonic), for the process-wide hand-over queue's own (hand-over-queue.ts).

/** A clock at `start` ms: `now` reads it, `step(ms, times)` moves it on `ms` at a time, running `each` after each step. */
export function fakeClock(start: number): { readonly now: () => number; step(ms: number, times?: number, each?: () => void): void } {
  let at = start;
  return {
    now: () => at,
    step(ms, times = 1, each) {
      for (let i = 0; i < times; i++) {
        at += ms;
        each?.();
      }
    },
  };
}

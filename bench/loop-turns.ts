/**
 * The longest turn of the event loop over a stretch of a benchmark: what a long synchronous step (a journal's open, a
 * compaction's snapshot, a connector's resume) makes every other request on the process wait.
 */

/** Starts watching; `stop()` ends the watch and gives the longest gap (ms) between two turns seen since the start. */
export function watchTurns(): { stop(): number } {
  let longest = 0;
  let last = performance.now();
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    stop: () => {
      running = false;
      return Math.max(longest, performance.now() - last);
    },
  };
}

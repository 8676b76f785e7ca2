/**
 * The bound on the longest turn of the event loop that a start may hold it (a journal's open, a connector's resume of
 * its SAF backlog): other upstreams' links and the first one's traffic wait that long at most. One home for the
 * target of journal-open.bench.ts and connector-resume.bench.ts, and its line.
 */

/** The longest turn allowed (ms), at up to {@link TARGET_OPEN} open entries. */
export const TARGET_TURN_MS = 100;
export const TARGET_OPEN = 100_000;

/**
 * Prints `what`'s longest turn with `open` open entries (the best of `rounds`: a busy machine's pauses come and go, a
 * step of the code that holds the loop stays) beside the target, `met` / `NOT met`; returns whether it was met (or
 * has none: more than {@link TARGET_OPEN} entries).
 */
export function turnTarget(what: string, open: number, best: number, rounds: number): boolean {
  const target = open <= TARGET_OPEN;
  const met = best < TARGET_TURN_MS;
  console.log(
    `${what}: ${open} open entries: longest turn ${best.toFixed(1)} ms (best of ${rounds} rounds)` +
      (target ? `, target under ${TARGET_TURN_MS} ms: ${met ? 'met' : 'NOT met'}` : ` (the target is for up to ${TARGET_OPEN} entries)`),
  );
  return !target || met;
}

/**
 * A monotonic clock of the time a process could see: each step between two looks counts at most `stepMax`
 * milliseconds, so that a stalled event loop (a long task, a collection, a paused VM) does not age what is held by it
 * past its hold unseen. Holds counted on it (codec recent-writes.ts, inbound hand-over-queue.ts) so last at least their
 * time, seen: a client that stopped reading just before a stall backs its connection's writes up only once the process
 * reads its next requests and answers them, after the stall; counted in full, the stall would let what a reset may
 * still lose go first, and that reset would then lose approvals counted delivered. Allocation-free per look.
 */
export class LookClock {
  private seen = 0;
  private lastLook: number | undefined;

  /**
   * `stepMax`: the most milliseconds one step between two looks counts; `clock`: milliseconds, monotonic (default
   * `performance.now()`, read at each look).
   */
  constructor(
    private readonly stepMax: number,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** The clock now: the time seen so far, this step (since the last look) counted at most `stepMax`; 0 at the first look. */
  now(): number {
    const at = this.clock();
    if (this.lastLook !== undefined) this.seen += Math.min(Math.max(at - this.lastLook, 0), this.stepMax);
    this.lastLook = at;
    return this.seen;
  }
}

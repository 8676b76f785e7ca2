/**
 * A cap on a log line that can come once per frame, per connection or per queued entry (a frame that does not decode,
 * a refused connection, a duplicate request answered by the gateway, a SAF attempt unanswered while the host is down):
 * at most `perSecond` lines a second; the lines left out are counted and the next line written says how many
 * (`suppressed`). Every occurrence is still counted in the metrics; only the log is bounded, so a client flooding
 * garbage, or a backlog repeated to a host that is down, cannot make a process spend its time (and disk) on log lines.
 */
import { performance } from 'node:perf_hooks';

/** Lines of one kind a second, at most. */
export class LogLimit {
  private windowStart = -Infinity;
  private written = 0;
  private left = 0;

  constructor(
    /** Lines allowed in each second. */
    readonly perSecond: number,
    /** The clock the second is read by, in milliseconds. Default: `performance.now()`, read at each line. */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Whether to write this occurrence's line: `undefined` to leave it out (counted), otherwise the number of lines left
   * out since the last one written (0 for none).
   */
  take(): number | undefined {
    const told = this.tell();
    if (told === undefined) this.left++;
    return told;
  }

  /**
   * Whether a line telling the lines left out may be written now (a summary once a burst is over, no occurrence of its
   * own): `undefined` while this second's lines are all written (nothing counted, unlike {@link take}, which counts the
   * occurrence it leaves out), otherwise the number left out since the last line written (0 for none), the summary
   * counting as a line written.
   */
  tell(): number | undefined {
    const now = this.now();
    if (now - this.windowStart >= 1_000) {
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written >= this.perSecond) return undefined;
    this.written++;
    const suppressed = this.left;
    this.left = 0;
    return suppressed;
  }
}

/** Keys a {@link LogLimits} holds, at most; further keys share one limit. */
const MAX_KEYS = 64;

/**
 * A {@link LogLimit} per kind of line (an error code): a flood of one kind does not hide the lines of another. At most
 * 64 kinds have their own limit; any further kind shares one.
 */
export class LogLimits {
  private readonly limits = new Map<string, LogLimit>();
  private readonly others: LogLimit;

  constructor(
    /** Lines of each kind allowed in each second. */
    readonly perSecond: number,
    /** The clock each kind's second is read by, in milliseconds. Default: `performance.now()`, read at each line. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.others = new LogLimit(perSecond, now);
  }

  /** {@link LogLimit.take} for the lines of `key`. */
  take(key: string): number | undefined {
    return this.limitOf(key).take();
  }

  /** {@link LogLimit.tell} for the lines of `key`: a summary of those left out, counting none itself. */
  tell(key: string): number | undefined {
    return this.limitOf(key).tell();
  }

  private limitOf(key: string): LogLimit {
    let limit = this.limits.get(key);
    if (limit === undefined) {
      if (this.limits.size >= MAX_KEYS) return this.others;
      limit = new LogLimit(this.perSecond, this.now);
      this.limits.set(key, limit);
    }
    return limit;
  }
}

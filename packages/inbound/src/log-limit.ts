/**
 * A cap on a log line that a client can cause once per frame (a frame that does not decode): at most `perSecond`
 * lines a second for the whole endpoint; the lines left out are counted and the next line written says how many
 * (`suppressed`). Every occurrence is still counted in the metrics; only the log is bounded, so a client flooding
 * garbage cannot make the endpoint spend its time writing log lines.
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
  ) {}

  /**
   * Whether to write this occurrence's line: `undefined` to leave it out (counted), otherwise the number of lines left
   * out since the last one written (0 for none).
   */
  take(): number | undefined {
    const now = performance.now();
    if (now - this.windowStart >= 1_000) {
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written >= this.perSecond) {
      this.left++;
      return undefined;
    }
    this.written++;
    const suppressed = this.left;
    this.left = 0;
    return suppressed;
  }
}

/**
 * A message stream's read timeout: armed while a frame is incomplete, started again when a frame completes, cleared
 * when no byte of a frame waits. `ms` 0 never arms it.
 */
export class ReadTimer {
  private timer: NodeJS.Timeout | undefined;

  /** `fired` is called when `ms` pass with a frame incomplete (the timer is disarmed by then). */
  constructor(
    readonly ms: number,
    private readonly fired: () => void,
  ) {}

  /** Arms the timer while `buffered` bytes of a frame wait; `completed` (a frame was completed since) starts it again. */
  arm(completed: boolean, buffered: number): void {
    if (this.ms === 0) return;
    if (buffered === 0) {
      this.clear();
      return;
    }
    if (completed || this.timer === undefined) {
      this.clear();
      this.timer = setTimeout(this.onTimeout, this.ms);
      this.timer.unref();
    }
  }

  /** Disarms the timer. */
  clear(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private readonly onTimeout = (): void => {
    this.timer = undefined;
    this.fired();
  };
}

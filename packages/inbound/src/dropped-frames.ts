/**
 * The frames of one connection read and never started: every request gets a reply or a line, and every frame is
 * counted in the endpoint's `dropped` at once (the close line may be capped), then said once, at the close.
 */
import type { Logger } from 'pino';
import type { LogLimits } from '@iso8583/metrics';
import { droppedFramesLine } from './connection-lines.js';
import type { InboundMetrics } from './metrics.js';

/** What one connection dropped of what it read. */
export class DroppedFrames {
  /**
   * Frames read after the connection began closing (`draining`) or was closed: not taken; those read out of its socket
   * after a destroy (the close deadline, an abort) too.
   */
  private afterClose = 0;
  /**
   * Frames read before it began closing that were still waiting for room (its `waiting`, or held by the stream) when
   * it closed.
   */
  private waiting = 0;

  constructor(private readonly metrics: InboundMetrics) {}

  /** A frame read after the close began. */
  readAfterClose(n = 1): void {
    if (n === 0) return;
    this.afterClose += n;
    this.metrics.dropped(n);
  }

  /** `n` frames read before the close began, never started. */
  neverStarted(n: number): void {
    if (n === 0) return;
    this.waiting += n;
    this.metrics.dropped(n);
  }

  /** The close line (once, at the close), when any frame was dropped. */
  say(lines: LogLimits, logger: Logger): void {
    if (this.afterClose + this.waiting > 0) droppedFramesLine(lines, logger, this.afterClose, this.waiting);
  }
}

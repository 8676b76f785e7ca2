/**
 * The count behind `unansweredLimit`, one per connection (channel.ts): requests other than network management that
 * timed out in a row on it, none answered in time between (an answer to an echo test or sign-on does not count, nor a
 * late answer: its request failed already). At the limit the connection is closed as an unanswered echo closes it
 * (network-management.ts `unanswered`); channel-factory.ts reads {@link UnansweredRun.proved} for the backoff.
 */
export class UnansweredRun {
  /** Requests timed out in a row, none answered between. */
  count = 0;
  /** A request other than network management was answered in time (a host that answers only echoes has not). */
  answeredOnce = false;
  /** The connection was closed for reaching the limit. */
  closed = false;

  /** A request other than network management was answered in time: the count starts over. */
  answered(): void {
    this.count = 0;
    this.answeredOnce = true;
  }

  /** One more timed out; true when that reaches `limit` (0: off), the connection then to be closed. */
  timedOut(limit: number): boolean {
    if (limit === 0 || ++this.count < limit) return false;
    this.closed = true;
    return true;
  }

  /** Whether the connection may count as a success for the backoff: not closed here with no request answered on it. */
  get proved(): boolean {
    return !this.closed || this.answeredOnce;
  }
}

/**
 * The connector's lifecycle: `new` until the first use, `open` while it takes requests, `closing` once `close()` or
 * `destroy()` was called (no new request is accepted; accepted ones finish), `closed` when everything is released.
 * It also counts the accepted requests not yet settled, so that `close()` can wait for the last one.
 */

/** Where a connector is in its life. */
export type ConnectorState = 'new' | 'open' | 'closing' | 'closed';

/** The state and the count of accepted, unsettled requests. */
export class Lifecycle {
  private current: ConnectorState = 'new';
  private active = 0;
  private drained: (() => void) | undefined;

  /** The current state. */
  get state(): ConnectorState {
    return this.current;
  }

  /** Requests accepted and not yet settled. */
  get accepted(): number {
    return this.active;
  }

  /** True once `close()` or `destroy()` was called. */
  get stopping(): boolean {
    return this.current === 'closing' || this.current === 'closed';
  }

  /** Moves to `state` (states only move forward). */
  to(state: ConnectorState): void {
    const order: ConnectorState[] = ['new', 'open', 'closing', 'closed'];
    if (order.indexOf(state) > order.indexOf(this.current)) this.current = state;
  }

  /** A request was accepted. */
  enter(): void {
    this.active += 1;
  }

  /** A request settled (answered or failed). */
  leave(): void {
    this.active -= 1;
    if (this.active === 0 && this.drained !== undefined) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
  }

  /** Resolves when no accepted request is left. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise<void>((resolve) => (this.drained = resolve));
  }
}

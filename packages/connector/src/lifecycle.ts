/**
 * The connector's lifecycle: `new` until the first use, `open` while it takes requests, `closing` once `close()` or
 * `destroy()` was called (no new request is accepted; accepted ones finish), `closed` when everything is released.
 * It also counts the accepted requests not yet settled, so that `close()` can wait for the last one, and keeps the
 * SAF stores under way, so that the SAF queue stops only once each is journaled (or refused).
 */

/** Where a connector is in its life. */
export type ConnectorState = 'new' | 'open' | 'closing' | 'closed';

/** The state and the count of accepted, unsettled requests. */
export class Lifecycle {
  private current: ConnectorState = 'new';
  private active = 0;
  private drained: (() => void) | undefined;
  private safStopping = false;
  private readonly stores = new Set<Promise<void>>();

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

  /** True once the SAF queue is stopping (`closeSaf`): no store is accepted from then on. */
  get safClosed(): boolean {
    return this.safStopping;
  }

  /** Keeps a SAF store under way until it settles; returns it as it is. */
  storing<T>(store: Promise<T>): Promise<T> {
    const tracked = store.then(
      () => undefined,
      () => undefined,
    );
    this.stores.add(tracked);
    void tracked.then(() => this.stores.delete(tracked));
    return store;
  }

  /**
   * Closes the SAF side (on close, once no accepted request is left): the last answers' consumers run in the turns
   * after they settled, and one that stores a reversal (a gateway whose client has gone) does so within the turn of the
   * event loop its answer came in; resolves, after that turn, once every store begun is journaled or refused.
   */
  async closeSaf(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.safStopping = true;
    await Promise.all([...this.stores]);
  }
}

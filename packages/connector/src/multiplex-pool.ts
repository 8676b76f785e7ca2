/**
 * The multiplex pool: connections held open and shared, many requests in flight on each (the host-to-host case, as
 * jPOS's QMUX over one channel). A request goes to the open connection with the fewest requests in flight; while every
 * connection is busy the pool grows, one connection at a time, up to `pool.max`; connections beyond `pool.min` (and
 * beyond the first) idle for `pool.idleTimeout` are closed. A connection that closes is replaced while fewer than
 * `pool.min` (at least one) are open or connecting, after the factory's backoff.
 *
 * generic-pool is not used here: it lends each resource to one borrower at a time and counts it busy until returned,
 * while a multiplexed connection is shared by every request at once. The exclusive pool, whose model that is, uses it.
 */
import { performance } from 'node:perf_hooks';
import type { Iso8583Error } from '@iso8583/codec';
import type { Channel } from './channel.js';
import type { ChannelFactory } from './channel-factory.js';
import { poolError } from './channel-pool.js';
import type { ChannelPool } from './channel-pool.js';
import { connectorError } from './errors.js';
import type { ResolvedConnectorOptions } from './options.js';

interface Waiter {
  resolve(channel: Channel): void;
  reject(err: Iso8583Error): void;
  timer: NodeJS.Timeout;
  stopListening: () => void;
}

/** Shared connections, many requests in flight on each. */
export class MultiplexPool implements ChannelPool {
  private readonly held: Channel[] = [];
  private readonly waiters = new Set<Waiter>();
  private connecting = 0;
  /** The connect attempts under way, through what follows them (a sign-off when the pool closed meanwhile). */
  private readonly growing = new Set<Promise<void>>();
  private running = false;
  private maintenance: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ResolvedConnectorOptions['pool'],
    private readonly factory: ChannelFactory,
  ) {}

  get waiting(): number {
    return this.waiters.size;
  }

  private get wanted(): number {
    return Math.max(1, this.options.min);
  }

  start(): void {
    this.running = true;
    for (let i = this.held.length + this.connecting; i < this.wanted; i++) this.grow();
    const tick = Math.max(50, Math.min(1000, Math.floor(this.options.idleTimeout / 2)));
    this.maintenance = setInterval(() => this.evictIdle(), tick);
    this.maintenance.unref();
  }

  async ready(): Promise<void> {
    if (this.pick() === undefined) await this.wait();
  }

  take(): Channel | undefined {
    return this.pick();
  }

  acquire(): Promise<Channel> {
    const channel = this.pick();
    return channel === undefined ? this.wait() : Promise.resolve(channel);
  }

  release(): void {
    // Shared: nothing to give back.
  }

  closed(channel: Channel): void {
    const i = this.held.indexOf(channel);
    if (i < 0) return;
    this.held.splice(i, 1);
    if (this.running && this.held.length + this.connecting < this.wanted) this.grow();
  }

  rejectWaiting(reason: Iso8583Error): void {
    for (const w of [...this.waiters]) this.settle(w).reject(reason);
  }

  async close(): Promise<void> {
    this.running = false;
    clearInterval(this.maintenance);
    this.rejectWaiting(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed'));
    // A connection still signing on is ended unused (`ChannelFactory.shut`); one that signed on meanwhile is signed
    // off in `grow`, which is waited for too: every socket is closed when this resolves.
    await Promise.all([
      ...this.held.splice(0).map((channel) => this.factory.destroy(channel).catch(() => undefined)),
      this.factory.shut(),
    ]);
    await Promise.all(this.growing);
  }

  /** The open connection with the fewest requests in flight; grows the set under load. */
  private pick(): Channel | undefined {
    let best: Channel | undefined;
    for (const channel of this.held) {
      if (channel.isOpen && (best === undefined || channel.inFlight < best.inFlight)) best = channel;
    }
    if (this.connecting === 0 && this.held.length < this.options.max && (best === undefined || best.inFlight > 0)) this.grow();
    return best;
  }

  /** Opens one more connection and keeps it; the requests waiting get it. */
  private grow(): void {
    if (!this.running || this.factory.stopped) return;
    this.connecting += 1;
    const grown = this.factory.create().then(
      async (channel) => {
        this.connecting -= 1;
        if (!this.running || !channel.isOpen) {
          if (this.running) this.grow();
          await this.factory.destroy(channel).catch(() => undefined);
          return;
        }
        this.held.push(channel);
        for (const w of [...this.waiters]) this.settle(w).resolve(channel);
      },
      () => {
        this.connecting -= 1;
        if (this.factory.stopped) {
          // Ended by the stop (`close()`): no connection is open or coming, so none will carry the requests waiting;
          // they fail now (never sent), and close() need not wait out their `pool.acquireTimeout`.
          const open = this.held.some((channel) => channel.isOpen);
          if (!open && this.connecting === 0) this.rejectWaiting(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing and has no connection'));
          return;
        }
        // The waiters heard of the failure from the factory; a permanent connection is still wanted.
        if (this.running && this.held.length + this.connecting < this.wanted) this.grow();
      },
    );
    this.growing.add(grown);
    void grown.then(() => this.growing.delete(grown));
  }

  /**
   * Waits for a connection (up to `pool.acquireTimeout`); a failed connect attempt fails the wait at once, and so does
   * one failed before it while no connection can be up within the wait (`ChannelFactory.failureBeyond`).
   */
  private wait(): Promise<Channel> {
    if (!this.running || this.factory.stopped) {
      return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing and has no connection'));
    }
    // The last attempt failed and none can be up within the wait: its error now, not POOL_EXHAUSTED at the end.
    const failed = this.factory.failureBeyond(this.options.acquireTimeout);
    if (failed !== undefined) return Promise.reject(failed);
    return new Promise<Channel>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => this.settle(w).reject(poolError(undefined, this.options.acquireTimeout)), this.options.acquireTimeout),
        stopListening: this.factory.onConnectFailed((err) => this.settle(w).reject(err)),
      };
      this.waiters.add(w);
      if (this.connecting === 0 && this.held.length < this.options.max) this.grow();
    });
  }

  /** Takes a waiter out (once); the returned callbacks are no-ops for a waiter already settled. */
  private settle(w: Waiter): Pick<Waiter, 'resolve' | 'reject'> {
    if (!this.waiters.delete(w)) return { resolve: () => undefined, reject: () => undefined };
    clearTimeout(w.timer);
    w.stopListening();
    return w;
  }

  /** Closes held connections beyond `pool.min` (and beyond the first) idle for `pool.idleTimeout`. */
  private evictIdle(): void {
    if (!this.running) return;
    const now = performance.now();
    for (let i = this.held.length - 1; i >= 0 && this.held.length > this.wanted; i--) {
      const channel = this.held[i] as Channel;
      if (channel.inFlight === 0 && now - channel.lastActivity >= this.options.idleTimeout) {
        this.held.splice(i, 1);
        this.factory.destroy(channel).catch(() => undefined);
      }
    }
  }
}

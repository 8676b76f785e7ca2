/**
 * The exclusive pool: a connection is lent to one request at a time, until its response (for hosts that cannot
 * interleave). This is generic-pool's model, so generic-pool does the work: it creates connections through the
 * factory, checks them on borrow, keeps `pool.min` to `pool.max`, evicts those beyond `pool.min` idle for `pool.idleTimeout` and queues
 * borrowers up to `pool.acquireTimeout`: in two priorities, every online borrower (and every reversal's SAF attempt, in
 * arrival order with them) before any advice's SAF attempt (`background`), so that an advice backlog (up to
 * `saf.maxInFlight` attempts waiting) never holds an online request back by more than the attempts already holding
 * connections, and online load never starves a reversal.
 */

/** generic-pool's priority of an online borrower: served before every {@link BACKGROUND} one. */
const ONLINE = 0;
/** generic-pool's priority of an advice's SAF attempt: served once no online borrower (nor reversal) waits. */
const BACKGROUND = 1;
import { createPool } from 'generic-pool';
import type { Pool } from 'generic-pool';
import type { Iso8583Error } from '@iso8583/codec';
import type { Channel } from './channel.js';
import type { ChannelFactory } from './channel-factory.js';
import { poolError } from './channel-pool.js';
import type { ChannelPool } from './channel-pool.js';
import { connectorError } from './errors.js';
import type { ResolvedConnectorOptions } from './options.js';

/** One request per connection. */
export class ExclusivePool implements ChannelPool {
  private readonly pool: Pool<Channel>;
  private readonly borrowed = new Set<Channel>();
  private readonly waiters = new Set<(err: Iso8583Error) => void>();
  private started = false;
  /** A connect attempt begun by {@link ExclusivePool.attemptInBackground} is under way. */
  private attempting = false;

  /**
   * @param freed - called when a connection is given back open, free for the next borrower (what wakes the SAF entries
   *   whose attempt found every connection lent, `SafQueue.linkUp`); default none.
   */
  constructor(
    private readonly options: ResolvedConnectorOptions['pool'],
    private readonly factory: ChannelFactory,
    private readonly freed: () => void = () => undefined,
  ) {
    this.pool = createPool<Channel>(
      {
        create: () =>
          factory.create().catch((err: unknown) => {
            // Shutting down: generic-pool cannot cancel its queued acquires, and retries a failed create at once;
            // a closed placeholder settles each of them instead.
            if (factory.stopped) return factory.placeholder();
            throw err;
          }),
        destroy: (channel) => factory.destroy(channel),
        // A placeholder passes, so that it reaches (and settles) the waiting request it was made for.
        validate: (channel) => Promise.resolve(channel.isOpen || channel.isPlaceholder),
      },
      {
        min: options.min,
        max: options.max,
        acquireTimeoutMillis: options.acquireTimeout,
        // Soft: only the idle connections beyond `pool.min` go (generic-pool's hard `idleTimeoutMillis`, 30 s unless
        // set, evicts whatever `min` is: the kept connection would be closed and remade, its upstream seen down).
        softIdleTimeoutMillis: options.idleTimeout,
        idleTimeoutMillis: Number.POSITIVE_INFINITY,
        evictionRunIntervalMillis: Math.min(options.idleTimeout, 1000),
        testOnBorrow: true,
        autostart: false,
        priorityRange: BACKGROUND + 1,
      },
    );
  }

  get waiting(): number {
    return this.pool.pending;
  }

  start(): void {
    this.started = true;
    this.pool.start();
  }

  async ready(): Promise<void> {
    this.release(await this.acquire());
  }

  take(): undefined {
    // Every borrow goes through generic-pool's queue.
    return undefined;
  }

  acquire(background = false): Promise<Channel> {
    // The last attempt failed and none can be up within the wait: its error now, as the multiplex pool's (channel-factory.ts).
    const failed = this.factory.failureBeyond(this.options.acquireTimeout);
    if (failed !== undefined) {
      this.attemptInBackground();
      return Promise.reject(failed);
    }
    return new Promise<Channel>((resolve, reject) => {
      let done = false;
      const fail = (err: Iso8583Error): void => {
        if (done) return;
        done = true;
        stopListening();
        this.waiters.delete(fail);
        reject(err);
      };
      const stopListening = this.factory.onConnectFailed(fail);
      this.waiters.add(fail);
      this.pool.acquire(background ? BACKGROUND : ONLINE).then(
        (channel) => {
          stopListening();
          this.waiters.delete(fail);
          if (!channel.isOpen) {
            this.pool.destroy(channel).catch(() => undefined);
            if (this.factory.stopped) fail(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing'));
            else fail(connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'the connection closed before use'));
            return;
          }
          if (done) {
            this.pool.release(channel).catch(() => undefined);
            return;
          }
          done = true;
          this.borrowed.add(channel);
          resolve(channel);
        },
        (err: unknown) => fail(poolError(err, this.options.acquireTimeout)),
      );
    });
  }

  /**
   * Begins the connect attempt a request turned away by `failureBeyond` would have begun, unless one (begun so) is under
   * way: here only a borrow starts an attempt, and generic-pool retries a failed one only while a borrower waits, so
   * without this no attempt followed the last failed one once nobody waited and the connector never connected again.
   * The connection it makes is given back to the pool, free for the next request.
   */
  private attemptInBackground(): void {
    if (this.attempting || !this.started || this.factory.stopped) return;
    this.attempting = true;
    this.pool.acquire(BACKGROUND).then(
      (channel) => {
        this.attempting = false;
        if (!channel.isOpen) {
          this.pool.destroy(channel).catch(() => undefined);
          return;
        }
        this.pool.release(channel).catch(() => undefined);
        this.freed();
      },
      () => {
        this.attempting = false;
      },
    );
  }

  release(channel: Channel, failedAfterWrite = false, byHost = true): void {
    if (!this.borrowed.delete(channel)) return;
    if (failedAfterWrite && channel.isOpen) {
      // The host serves one request at a time here and may still be on the unanswered one: lent again, the connection
      // would carry the next request (or its reversal) behind it, late or never answered. A new one replaces it.
      channel.logger.warn({ code: 'ISO8583_WARN_EXCLUSIVE_CONNECTION_CLOSED' }, 'a request failed after it was written: closing its connection (exclusive mode)');
      // The host's fault, unlike an idle eviction or the caller giving up: its close carries a code, so an upstream
      // group finds its upstream down. The caller's abort or deadline closes it as asked for (no code, not down).
      this.factory.abort(channel, byHost ? connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'closed: a request on it failed after it was written (exclusive mode)') : undefined);
    }
    if (!channel.isOpen) {
      // Its replacement, once up, is a connection up (`ChannelFactory` `connected`).
      this.pool.destroy(channel).catch(() => undefined);
      return;
    }
    this.pool.release(channel).catch(() => undefined);
    this.freed();
  }

  closed(): void {
    // generic-pool finds a closed connection on its next borrow (validate) or when it is given back.
  }

  rejectWaiting(reason: Iso8583Error): void {
    for (const fail of [...this.waiters]) fail(reason);
  }

  async close(): Promise<void> {
    if (!this.started) return;
    // A connection still signing on is ended unused (`ChannelFactory.shut`): the drain does not wait out its sign-on.
    const shut = this.factory.shut();
    await this.pool.drain();
    await this.pool.clear();
    await shut;
  }
}

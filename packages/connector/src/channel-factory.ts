/**
 * How the connector's channels are made and unmade: a connect attempt waits out the backoff of earlier failures
 * (jittered, growing with each failure in a row), opens the socket (`Channel.connect`) and signs on; unmaking signs off
 * and ends the socket. The factory keeps the set of open channels, which every pool and the stats read.
 *
 * A connection counts as a success that starts the backoff over only once the host spoke on it (a frame received: an
 * answer, a sign-on or echo reply) or it stayed up as long as the next wait's ceiling: a host (or a load balancer
 * before it) that accepts and closes at once is a failure in a row like a refused connect, so it is tried less and
 * less often rather than every `initialDelay` for ever.
 *
 * Only a drop the connector did not ask for is a failure: a connection it closes itself ({@link ChannelFactory.destroy}:
 * the pool's idle eviction, with its sign-off, even when the host ends the connection on the sign-off; the exclusive
 * pool's close of a connection whose request failed after it was written) counts no step, and the next connect after
 * that dials at once.
 */
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Iso8583Error } from '@iso8583/codec';
import type { Logger } from 'pino';
import { Backoff } from './backoff.js';
import { Channel } from './channel.js';
import { PeerChannels } from './channel-peers.js';
import type { ChannelHost } from './channel-request.js';
import { connectorError } from './errors.js';
import type { NetworkManagement } from './network-management.js';
import { LateKeys } from './late-keys.js';
import { hostCertificateDetail } from './tls-host-certificate.js';

/** What the factory reports to its connector. */
export interface FactoryEvents {
  /** A channel is connected and signed on. */
  connected(channel: Channel): void;
  /** A connect attempt failed (the next one waits {@link ChannelFactory.retryIn} ms before it dials). */
  connectFailed(err: Iso8583Error): void;
}

/** Makes, tracks and unmakes the channels of one connector. */
export class ChannelFactory {
  /** Connected channels (signed on or not yet), until their socket closes. */
  readonly open = new PeerChannels();
  private readonly backoff: Backoff;
  /** When each open channel was connected and signed on (`performance.now()`): how long it stayed up when it closes. */
  private readonly upSince = new WeakMap<Channel, number>();
  /** Channels the connector is closing itself ({@link ChannelFactory.destroy}): their close is no failure. */
  private readonly retiring = new WeakSet<Channel>();
  /**
   * Channels whose connect attempt failed (dropped or refused before its sign-on was answered) and counted its one
   * backoff step: its close ({@link ChannelFactory.closed}) and `create()`'s catch each see that failure, in either
   * order, and only the first counts it.
   */
  private readonly attemptCounted = new WeakSet<Channel>();
  private readonly stopping = new AbortController();
  /** Set by {@link ChannelFactory.shut}: a connection still signing on, or connected after it, is ended unused. */
  private shutting = false;
  /** Aborted by {@link ChannelFactory.shut}: a connect under way stops being waited for. */
  private readonly shutDown = new AbortController();
  /** The `create()` calls under way, which {@link ChannelFactory.shut} waits for. */
  private readonly creating = new Set<Promise<unknown>>();
  /** Who waits for the socket of a channel to close (resolved in {@link ChannelFactory.closed}). */
  private readonly closeWaits = new Map<Channel, Array<() => void>>();
  private readonly failureListeners = new Set<(err: Iso8583Error) => void>();
  private retryDelay = 0;
  /** The error of the last failed connect attempt, until a connection is up (and signed on) again. */
  private lastFailure: Iso8583Error | undefined;
  /** When each attempt waiting out its backoff dials (`performance.now()`), until it does. */
  private readonly dialAt = new Set<{ at: number }>();
  /** Attempts past their backoff wait (connecting, signing on), until they settle. */
  private dialing = 0;
  private nextId = 1;
  /**
   * The keys whose requests timed out or were answered on any of the connector's connections, shared by its channels:
   * the host may send a late answer, or its copy of an answer, on another connection of the pool than the request's.
   */
  private readonly late: LateKeys;

  /**
   * Milliseconds the next connect attempt waits before it dials: the backoff's delay counted at the last failure or
   * drop, 0 once a connection is up and signed on. What the `connection failed` log line and the connector's
   * `disconnect` event (and its `connection closed` log line) report as `retryIn`.
   */
  get retryIn(): number {
    return this.retryDelay;
  }

  constructor(
    private readonly host: ChannelHost,
    private readonly network: NetworkManagement,
    private readonly logger: Logger,
    private readonly events: FactoryEvents,
  ) {
    this.late = new LateKeys(host.codec.dialect, host.matchKey.fields);
    const reconnect = host.options.reconnect;
    this.backoff = new Backoff(reconnect.initialDelay, reconnect.maxDelay);
    // Every connect under way (a pool of more than 10 connecting at once) listens to these two signals, each until it
    // settles: Node's leak warning (at 11 listeners) would be false.
    setMaxListeners(0, this.stopping.signal, this.shutDown.signal);
  }

  /** True once {@link ChannelFactory.stop} was called: no more connections are made. */
  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Open channels with nothing in flight. */
  get free(): number {
    let free = 0;
    for (const channel of this.open) if (channel.inFlight === 0 && channel.isOpen) free += 1;
    return free;
  }

  /**
   * Open channels signed on (with no `signOn`, connected; after an unanswered echo, one that answered an echo), ready
   * to carry requests: one still signing on is not counted. What the connector's `stats().connected` and the
   * `iso8583_connector_pool_size` gauge report, and what an upstream group reads to tell an upstream up from down.
   */
  get signedOn(): number {
    let n = 0;
    for (const channel of this.open) if (this.upSince.has(channel)) n += 1;
    return n;
  }

  /** Requests in flight over every open channel. */
  get inFlight(): number {
    let n = 0;
    for (const channel of this.open) n += channel.inFlight;
    return n;
  }

  /** Calls `listener` with the error of every failed connect attempt until the returned function is called. */
  onConnectFailed(listener: (err: Iso8583Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /**
   * The error of the last failed connect attempt (a copy: each request marks its own `sent`) while no connection is
   * open and none can be up within `wait` ms: the attempts under way (one at least: the multiplex pool's replacement
   * of its permanent connection) all still wait out a backoff that ends at or after it. A request that would wait
   * `wait` ms for a connection (`pool.acquireTimeout`) fails at once with it, as one waiting when that attempt failed
   * did, not with `ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED` at the end of its wait. With no attempt under way, the one
   * the request's wait would begin (the exclusive pool's) waits out the backoff ({@link ChannelFactory.retryIn}) from
   * its start: the same rule with that attempt. Undefined otherwise (a connection open, one connecting, one due to dial
   * in time; no failure since the last connection up; stopped). Both pools ask it before a request waits.
   */
  failureBeyond(wait: number): Iso8583Error | undefined {
    const last = this.lastFailure;
    if (last === undefined || this.stopped || this.open.size > 0 || this.dialing > 0) return undefined;
    const now = performance.now();
    let dialsIn = this.dialAt.size === 0 ? this.retryDelay : Number.POSITIVE_INFINITY;
    for (const { at } of this.dialAt) dialsIn = Math.min(dialsIn, at - now);
    if (dialsIn < wait) return undefined;
    return new Iso8583Error(last.code, last.message, { field: last.field, mti: last.mti, cause: last.cause });
  }

  /**
   * A new channel: waits out the backoff, connects, signs on. Rejects with the coded connect error; once
   * {@link ChannelFactory.shut}, with `ISO8583_ERR_CONNECTOR_CLOSED` (the connection ended, its socket closed, no
   * `connected` event and no sign-off).
   */
  create(): Promise<Channel> {
    const attempt = this.attempt();
    this.creating.add(attempt);
    const forget = (): void => void this.creating.delete(attempt);
    attempt.then(forget, forget);
    return attempt;
  }

  /**
   * Shutting down, after the pool's last request: the connections still signing on are ended at once (their sign-on
   * fails with `ISO8583_ERR_CONNECTOR_CLOSED`, no sign-off: they never signed on), a connect under way is ended as
   * soon as it connects. Resolves once every `create()` under way settled and the sockets it opened are closed.
   */
  async shut(): Promise<void> {
    this.stop();
    this.shutting = true;
    this.shutDown.abort();
    for (const channel of [...this.open]) if (!this.upSince.has(channel)) this.abort(channel);
    await Promise.all([...this.creating].map((attempt) => attempt.catch(() => undefined)));
  }

  private async attempt(): Promise<Channel> {
    if (this.retryDelay > 0 && !this.stopped) {
      const dial = { at: performance.now() + this.retryDelay };
      this.dialAt.add(dial);
      await sleep(this.retryDelay, undefined, { ref: false, signal: this.stopping.signal }).catch(() => undefined);
      this.dialAt.delete(dial);
    }
    if (this.stopped) throw connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing');
    this.dialing += 1;
    try {
      return await this.dial();
    } finally {
      this.dialing -= 1;
    }
  }

  /** An attempt past its backoff wait: connects and signs on (see {@link ChannelFactory.create}). */
  private async dial(): Promise<Channel> {
    const id = this.nextId++;
    const logger = this.channelLogger(id);
    let channel: Channel | undefined;
    try {
      channel = await Channel.connect(id, this.host, logger, this.late, this.shutDown.signal, this.open);
      this.open.add(channel);
      if (!this.shutting) {
        // Its failure is `ISO8583_ERR_CONNECTOR_SIGN_ON` (or CLOSED), worded for what was sent (network-management.ts).
        await this.network.signOn(channel);
      }
      if (this.shutting) throw shutError();
    } catch (err) {
      if (this.shutting) {
        // Ended by the shutdown, not a failure of the host: no backoff step, no `connection failed`, no event.
        if (channel !== undefined) {
          this.abort(channel);
          await this.socketClosed(channel);
        }
        const e = shutError();
        for (const listener of [...this.failureListeners]) listener(e);
        throw e;
      }
      // Closed by the connector itself (its sign-on failed): the failed attempt counts, its close no drop of its own.
      if (channel !== undefined) this.abort(channel);
      // One failure, one step: a drop during the sign-on counted it already, in `closed`.
      this.attemptFailed(channel);
      const e =
        err instanceof Iso8583Error ? err : connectorError('ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'cannot connect', { cause: err });
      // The reason (`cannot connect to the host (ECONNREFUSED)`, the line's `host` and `port` saying which; a certificate
      // the CA does not vouch for, a sign-on refused) is what tells an operator why the link stays down; a coded error's
      // message never holds card data (nor the host's address: the gateway returns it to HTTP clients).
      // A certificate not for the name checked: Node's reason naming the names (`detail`), here alone.
      const detail = hostCertificateDetail(e);
      logger.warn({ code: e.code, reason: e.message, ...(detail === undefined ? {} : { detail }), retryIn: this.retryIn }, 'connection failed');
      this.lastFailure = e;
      this.events.connectFailed(e);
      for (const listener of [...this.failureListeners]) listener(e);
      throw e;
    }
    this.retryDelay = 0;
    this.lastFailure = undefined;
    this.upSince.set(channel, performance.now());
    // The host's certificate not verified (`tls.rejectUnauthorized: false`): said on each connection, not only at start.
    logger.info(this.host.options.tls?.rejectUnauthorized === false ? { tlsVerify: false } : {}, 'connected');
    this.events.connected(channel);
    return channel;
  }

  /**
   * An already-closed channel: generic-pool cannot cancel the acquires waiting in its queue, so while shutting down
   * the exclusive pool answers them with this (no connect attempt) and each settles at once.
   */
  placeholder(): Channel {
    const id = this.nextId++;
    return Channel.placeholder(id, this.host, this.channelLogger(id), this.late);
  }

  /**
   * Signs off (when configured) and ends the connection: a close the connector asked for, which steps no backoff
   * (however the socket then closes: our end, or the host's on the sign-off).
   */
  async destroy(channel: Channel): Promise<void> {
    this.retire(channel);
    await this.network.signOff(channel);
    await channel.end();
  }

  /**
   * Closes `channel` at once (pending requests fail): a close the connector asked for, which steps no backoff (the
   * exclusive pool's connection whose request failed after it was written). `err` (default none): why, the code its
   * `disconnect` event and `connection closed` line carry (none: a close while nothing fails, as an idle eviction).
   */
  abort(channel: Channel, err?: Iso8583Error): void {
    this.retire(channel);
    channel.destroy(err);
  }

  /**
   * Marks the close of `channel` as asked for, while it is open: one the host has ended already (its FIN read, the
   * socket no longer writable, its close still to come) is a drop, found by the pool's check or a borrow in the same
   * turn, not a close asked for.
   */
  private retire(channel: Channel): void {
    if (channel.isOpen) this.retiring.add(channel);
  }

  /**
   * A connect attempt failed (`channel`: its connection, when it got one): the backoff's one step for it, unless its
   * close or `create()`'s catch, whichever saw the failure first, counted it already.
   */
  private attemptFailed(channel: Channel | undefined): void {
    if (channel !== undefined) {
      if (this.attemptCounted.has(channel)) return;
      this.attemptCounted.add(channel);
    }
    this.retryDelay = this.backoff.next();
  }

  /**
   * Whether `channel`'s close was asked for by the connector ({@link ChannelFactory.destroy}, {@link ChannelFactory.abort}
   * while it was open), not a drop.
   */
  askedFor(channel: Channel): boolean {
    return this.retiring.has(channel);
  }

  /**
   * A channel's socket closed: forget it; a connection lost while running (not closed by {@link ChannelFactory.destroy})
   * makes the next attempt wait a backoff, from `initialDelay` again when the host spoke on it or it stayed up at least
   * that wait's ceiling, else one step longer (see the file's comment); one the connector closed itself counts no step.
   * A channel dropped before its sign-on was answered is its connect attempt's failure: one step, counted here or in
   * `create()`'s catch, whichever sees it first.
   * Returns the wait of the next attempt ({@link ChannelFactory.retryIn}: 0 after a close asked for, unless one counted
   * already, after a failure or another drop, stands), or undefined once stopped: no attempt follows.
   */
  closed(channel: Channel): number | undefined {
    this.open.delete(channel);
    const waits = this.closeWaits.get(channel);
    this.closeWaits.delete(channel);
    for (const resolve of waits ?? []) resolve();
    this.network.forget(channel);
    const since = this.upSince.get(channel);
    this.upSince.delete(channel);
    const askedFor = this.askedFor(channel);
    if (since !== undefined && (channel.heardFrom || performance.now() - since >= this.backoff.ceiling)) this.backoff.reset();
    if (this.stopped) return undefined;
    if (askedFor) return this.retryIn;
    if (since === undefined) {
      // Dropped before its sign-on was answered: the failure of its connect attempt, one step (the attempt's catch
      // counts none more), so the drop's `retryIn` is the wait that failure chose.
      this.attemptFailed(channel);
    } else if (this.retryDelay === 0) this.retryDelay = this.backoff.next();
    return this.retryIn;
  }



  /** Resolves once `channel`'s socket closed ({@link ChannelFactory.closed} ran for it). */
  private socketClosed(channel: Channel): Promise<void> {
    if (!this.open.has(channel)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waits = this.closeWaits.get(channel);
      if (waits === undefined) this.closeWaits.set(channel, [resolve]);
      else waits.push(resolve);
    });
  }

  /** Aborts every open connection (pending requests fail with `reason`). */
  destroyAll(reason: Iso8583Error): void {
    for (const channel of [...this.open]) channel.destroy(reason);
  }

  /** No more connections: a backoff wait in progress ends at once. */
  stop(): void {
    this.stopping.abort();
  }

  private channelLogger(id: number): Logger {
    return this.logger.child({ channel: id, host: this.host.options.host, port: this.host.options.port });
  }
}

/** The end of a connect attempt cut by {@link ChannelFactory.shut}. */
function shutError(): Iso8583Error {
  return connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing');
}

/**
 * The connector: what an integration flow uses to send ISO 8583 messages (XML, JSON text or objects) to a bank or
 * switch and get the response back. It keeps its connections (a generic-pool of channels), frames every message,
 * matches responses by key, times requests out, reverses purchases whose outcome is unknown, and counts everything.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool } from 'generic-pool';
import type { Pool } from 'generic-pool';
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  Iso8583Error,
  createCodec,
  encodeFrame,
  readMessage,
  resolveDialect,
  summarize,
  writeMessage,
} from '@iso8583/codec';
import type { Codec, FramingOptions, IsoMessage, MessageInput, MessageRead } from '@iso8583/codec';
import { Backoff } from './backoff.js';
import { Channel } from './channel.js';
import type { ChannelHost, ChannelRequest, ChannelResponse } from './channel.js';
import { StanCounter, transmissionTime } from './auto-fill.js';
import { connectorError } from './errors.js';
import { FileJournal } from './journal.js';
import type { JournalEntry } from './journal.js';
import { MatchKey } from './match-key.js';
import { ConnectorMetrics } from './metrics.js';
import { validateConnectorOptions } from './options.js';
import type { ConnectorOptions, ResolvedConnectorOptions } from './options.js';
import { ReversalManager, isReversible } from './reversal.js';
import type { ReversalEvent } from './reversal.js';
import { TerminalQueue } from './terminal-queue.js';

/** Options of one request. */
export interface SendOptions {
  /** Milliseconds to wait for the response. Default: the connector's `requestTimeout`. */
  timeout?: number;
  /**
   * The fixed frame header (e.g. TPDU) for this request when `headerBytes` > 0, else the dialect's message header.
   * Default: the connector's `header` (or the `<header>` of an XML request).
   */
  header?: Uint8Array;
}

/**
 * SocketQueue's amount totals: sums of the request's field 4 (minor units), counted when the response arrives (a
 * request that times out or fails counts nowhere). `refund` is part of `secured`, which is part of `processed`.
 */
export interface ConnectorAmounts {
  /** Financial requests (0100, 0200) that got a response, whatever the response code. */
  processed: number;
  /** Of those, the approved ones (field 39 = `00`), refunds included. */
  secured: number;
  /** Of the approved ones, those whose processing code (field 3) starts with `20` (refunds). */
  refund: number;
  /** Reversals (0400, 0401, 0420, 0421) that got a response: automatic ones and those the caller sent. */
  reversal: number;
}

/** Which amount total a request MTI feeds: 0100/0200 `processed` (and so on), 0400/0401/0420/0421 `reversal`. */
function amountKindOf(mti: string): 'processed' | 'reversal' | undefined {
  if (mti === '0100' || mti === '0200') return 'processed';
  if (mti === '0400' || mti === '0401' || mti === '0420' || mti === '0421') return 'reversal';
  return undefined;
}

/** Field 4 as minor units: a whole number of up to 15 digits (a number or digits), else 0 (not counted). */
function amountOf(value: MessageInput[string]): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : 0;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) return 0;
  return Number(value);
}

/** A snapshot of the connector's state and counters. */
export interface ConnectorStats {
  /** Open connections. */
  connected: number;
  /** Open connections with nothing in flight. */
  free: number;
  /** Requests waiting for a connection or in a per-terminal queue. */
  pending: number;
  /** Requests written and awaiting their response. */
  inFlight: number;
  /** Requests accepted. */
  requests: number;
  /** Responses matched to their requests. */
  responses: number;
  /** Requests that timed out. */
  timeouts: number;
  /** Requests that failed other than by timeout (connection lost, refused, invalid message, ...). */
  errors: number;
  /** Connections lost or failed and opened again. */
  reconnects: number;
  /** Reversals journaled with unknown outcome and not yet answered. */
  reversalsPending: number;
  /** Amount totals. */
  amounts: ConnectorAmounts;
  /** Requests by request MTI. */
  byMti: Record<string, number>;
  /** Responses by response code (field 39; `none` when absent). */
  byResponseCode: Record<string, number>;
}

interface Waiter {
  resolve(channel: Channel): void;
  reject(err: Iso8583Error): void;
  timer: NodeJS.Timeout;
}

type State = 'new' | 'open' | 'closing' | 'closed';

const silent = pino({ level: 'silent' });

/**
 * The MTI of a message for labels, stats and error context: four digits, else `invalid` (a caller's field 0 may be
 * anything, even card data, and must not reach a metric label, a log or an error).
 */
function mtiOf(message: MessageInput): string {
  const mti = message['0'];
  const text = typeof mti === 'string' ? mti : typeof mti === 'number' ? String(mti).padStart(4, '0') : '';
  return /^\d{4}$/.test(text) ? text : 'invalid';
}

/** A response code (field 39) for labels and stats: 1-3 letters or digits, else `invalid`; `none` when absent. */
function responseCodeOf(message: IsoMessage): string {
  const rc = message['39'];
  if (typeof rc !== 'string') return 'none';
  return /^[0-9A-Za-z]{1,3}$/.test(rc) ? rc : 'invalid';
}

function poolError(err: unknown, acquireTimeout: number): Iso8583Error {
  if (err instanceof Iso8583Error) return err;
  const text = err instanceof Error ? err.message : String(err);
  if (/draining|closed/i.test(text)) return connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing');
  return connectorError('ISO8583_ERR_CONNECTOR_POOL_EXHAUSTED', `no connection free within ${acquireTimeout} ms`, {
    field: 'pool.acquireTimeout',
  });
}

/**
 * An ISO 8583 connector. Events: `connect` ({ channel }), `disconnect` ({ channel, code }), `unsolicited` (message,
 * info), `late-response` (message, info), `reversal` ({@link ReversalEvent}), `close`, and `error` (a failed connect
 * attempt, an undecodable message or broken framing from the host, a failing `onUnsolicited`): emitted only when
 * listened to, so an unhandled `error` never crashes the process; request failures reject their own promise instead.
 */
export class Connector extends EventEmitter {
  /** The connector's name. */
  readonly name: string;
  /** The validated options (frozen). */
  readonly options: ResolvedConnectorOptions;
  /** The codec of the connector's dialect. */
  readonly codec: Codec;
  /** The match key builder. */
  readonly matchKey: MatchKey;
  /** The framing of every connection. */
  readonly framing: FramingOptions;
  /** The logger (a child with `connector`). */
  readonly logger: Logger;
  /** The prom-client Registry holding the connector's metrics. */
  readonly registry: Registry;
  private readonly metrics: ConnectorMetrics;
  /** What the channels see of the connector. */
  private readonly host: ChannelHost;
  private readonly pool: Pool<Channel>;
  private readonly multiplex: boolean;
  private readonly held: Channel[] = [];
  private readonly borrowed = new Set<Channel>();
  private readonly open = new Set<Channel>();
  private readonly waiters = new Set<Waiter>();
  private readonly connectFailed = new Set<(err: Iso8583Error) => void>();
  private readonly echoing = new Set<Channel>();
  private readonly backoff: Backoff;
  private readonly stan = new StanCounter();
  private readonly terminalQueue: TerminalQueue | undefined;
  private readonly reversals: ReversalManager | undefined;
  private readonly frameHeader: Buffer | undefined;
  private retryDelay = 0;
  private readonly stopping = new AbortController();
  private acquiring = 0;
  private nextChannelId = 1;
  private state: State = 'new';
  private ready = false;
  private shuttingDown: Promise<void> | undefined;
  private active = 0;
  private drained: (() => void) | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private maintenance: NodeJS.Timeout | undefined;
  private readonly counts = {
    requests: 0,
    responses: 0,
    timeouts: 0,
    errors: 0,
    reconnects: 0,
  };
  private readonly amounts: ConnectorAmounts = { processed: 0, secured: 0, refund: 0, reversal: 0 };
  private readonly byMti: Record<string, number> = {};
  private readonly byResponseCode: Record<string, number> = {};

  constructor(options: ConnectorOptions) {
    super();
    this.options = validateConnectorOptions(options);
    const o = this.options;
    this.name = o.name;
    this.codec = createCodec(resolveDialect(o.dialect));
    this.matchKey = new MatchKey(o.matchKey, this.codec.dialect);
    this.framing = {
      lengthHeader: o.frame,
      lengthIncludesHeader: o.lengthIncludesHeader,
      headerBytes: o.headerBytes,
      maxFrameSize: o.maxFrameSize,
      ...(o.frame === 'none' ? { measure: (bytes: Buffer) => this.codec.measure(bytes) } : {}),
    };
    this.frameHeader = o.headerBytes > 0 ? o.header : undefined;
    this.logger = (o.logger ?? silent).child({ connector: o.name });
    this.host = {
      options: o,
      codec: this.codec,
      matchKey: this.matchKey,
      framing: this.framing,
      unmatched: (channel, message, header, late) => this.unmatched(channel, message, header, late),
      closed: (channel, err) => this.closed(channel, err),
      echo: (channel) => this.echo(channel),
      problem: (_channel, err) => this.emitError(err),
    };
    this.multiplex = o.mode === 'multiplex';
    this.backoff = new Backoff(o.reconnect.initialDelay, o.reconnect.maxDelay);
    this.metrics = new ConnectorMetrics(
      o.name,
      {
        inFlight: () => this.inFlightCount(),
        poolSize: () => this.open.size,
        reversalsPending: () => this.reversals?.pending ?? 0,
      },
      o.registry,
    );
    this.registry = this.metrics.registry;
    if (o.terminalQueue.enabled) this.terminalQueue = new TerminalQueue(o.terminalQueue.maxQueued, o.terminalQueue.timeout);
    if (o.reversal.enabled && (o.reversal.journal !== undefined || o.reversal.journalDir !== undefined)) {
      this.reversals = new ReversalManager(
        {
          logger: this.logger,
          sendReversal: (message, timeout) => this.sendReversal(message, timeout),
          reversalEvent: (event) => this.reversalEvent(event),
        },
        o.reversal.journal ?? new FileJournal(o.reversal.journalDir as string, { logger: this.logger }),
        { ...o.reversal, requestTimeout: o.requestTimeout },
        this.codec.dialect,
      );
    }
    this.pool = createPool<Channel>(
      {
        create: () => this.createChannel(),
        destroy: (channel) => this.destroyChannel(channel),
        // A placeholder passes, so that it reaches (and settles) the waiting request it was made for.
        validate: (channel) => Promise.resolve(channel.isOpen || channel.isPlaceholder),
      },
      {
        min: o.pool.min,
        max: o.pool.max,
        acquireTimeoutMillis: o.pool.acquireTimeout,
        idleTimeoutMillis: o.pool.idleTimeout,
        evictionRunIntervalMillis: Math.min(o.pool.idleTimeout, 1000),
        testOnBorrow: true,
        autostart: false,
      },
    );
    this.pool.on('factoryCreateError', (err) => {
      const error = err instanceof Iso8583Error ? err : connectorError('ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'cannot connect to the host', { cause: err });
      for (const fail of [...this.connectFailed]) fail(error);
    });
  }

  /**
   * Opens the connections (`pool.min`, at least one in `multiplex` mode) and, with reversal on, opens the journal and
   * starts the reversals an earlier run left unfinished. Resolves when the first connection is up; rejects with the
   * connect error if it cannot be made (the connector keeps retrying with backoff).
   */
  connect(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') {
      return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed'));
    }
    this.starting ??= this.start();
    return this.starting.then(() => this.firstChannel());
  }

  /**
   * Starts without waiting for a connection: with reversal on, resolves once the journal is open (locked, read,
   * compacted) and the reversals an earlier run left are started; rejects with its `ISO8583_ERR_CONNECTOR_JOURNAL` or
   * `ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED` error, which no retry cures (every request would fail with it).
   */
  started(): Promise<void> {
    if (this.state === 'closing' || this.state === 'closed') {
      return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed'));
    }
    this.starting ??= this.start();
    return this.starting;
  }

  /** Sends one message and returns the response in the same form: XML in -> XML out, JSON text in -> JSON text out. */
  sendMessage(input: string, options?: SendOptions): Promise<string>;
  /** Sends a message object and returns the response object. */
  sendMessage(input: MessageInput, options?: SendOptions): Promise<IsoMessage>;
  sendMessage(input: string | MessageInput, options: SendOptions = {}): Promise<string | IsoMessage> {
    let read: MessageRead;
    try {
      if (typeof input !== 'string') {
        if (input === null || typeof input !== 'object' || Array.isArray(input)) {
          throw connectorError('ISO8583_ERR_CONNECTOR_INPUT', 'the message must be XML, JSON text or an object');
        }
        // An object needs no reading: `pack` checks every field (and names every offending one).
        return this.exchange(input, options.timeout, options.header).then((response) => response.message);
      }
      read = readMessage(input);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const header = options.header ?? read.header;
    return this.exchange(read.message, options.timeout, header).then((response) =>
      writeMessage(response.message, read.form, read.form === 'xml' && response.header.length > 0 ? response.header : undefined),
    );
  }

  /** Sends a message object and resolves with the response object (the fast path of `sendMessage`). */
  request(message: MessageInput, options: SendOptions = {}): Promise<IsoMessage> {
    return this.exchange(message, options.timeout, options.header).then((response) => response.message);
  }

  /**
   * Stops taking requests, lets every accepted request finish (answered or timed out), signs off (with `signOff`)
   * and closes the connections. Unanswered reversals stay in the journal for the next start. Safe to call twice.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.state = 'closing';
    this.closing = (async () => {
      if (this.active > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      await this.shutdown();
    })();
    return this.closing;
  }

  /** Aborts: every pending request fails with `err` (or `ISO8583_ERR_CONNECTOR_CLOSED`) and the sockets are destroyed. */
  destroy(err?: Error): Promise<void> {
    if (this.state === 'closed') return this.closing ?? Promise.resolve();
    const reason =
      err instanceof Iso8583Error ? err : connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector was destroyed', { cause: err });
    this.state = 'closing';
    for (const w of [...this.waiters]) {
      this.waiters.delete(w);
      clearTimeout(w.timer);
      w.reject(reason);
    }
    this.terminalQueue?.rejectAll(reason);
    for (const channel of [...this.open]) channel.destroy(reason);
    this.closing = this.shutdown();
    return this.closing;
  }

  /** A snapshot of the connector's state and counters. */
  stats(): ConnectorStats {
    let free = 0;
    for (const channel of this.open) if (channel.inFlight === 0 && channel.isOpen) free += 1;
    return {
      connected: this.open.size,
      free,
      pending: this.waiters.size + (this.terminalQueue?.waiting ?? 0) + (this.multiplex ? 0 : this.pool.pending),
      inFlight: this.inFlightCount(),
      ...this.counts,
      reversalsPending: this.reversals?.pending ?? 0,
      amounts: { ...this.amounts },
      byMti: { ...this.byMti },
      byResponseCode: { ...this.byResponseCode },
    };
  }

  // ---- what the channels call ----

  /** A message that matched nothing, a late response, or a host-initiated request. */
  private unmatched(channel: Channel, message: IsoMessage, header: Buffer, late: boolean): void {
    const info = { connector: this.name, channel: channel.id, header };
    if (late) {
      channel.logger.info(summarize(message), 'late response (its request had timed out)');
      if (this.listenerCount('late-response') > 0) this.emit('late-response', message, info);
      return;
    }
    channel.logger.info(summarize(message), 'unsolicited message');
    if (this.listenerCount('unsolicited') > 0) this.emit('unsolicited', message, info);
    const handler = this.options.onUnsolicited;
    if (handler === undefined) return;
    Promise.resolve()
      .then(() => handler(message, info))
      .then((reply) => {
        if (reply === undefined || reply === null || !channel.isOpen) return;
        const body = this.codec.pack(reply, this.codec.dialect.headerLength ? { header } : {});
        channel.write(encodeFrame(body, this.framing, this.frameHeader === undefined ? undefined : header));
      })
      .catch((err: unknown) => {
        channel.logger.warn({ code: (err as Iso8583Error).code }, 'the unsolicited-message handler failed');
        this.emitError(err);
      });
  }

  /** A channel's connection ended. */
  private closed(channel: Channel, err: Iso8583Error | undefined): void {
    this.open.delete(channel);
    this.echoing.delete(channel);
    const code = err?.code;
    channel.logger.info({ code }, 'connection closed');
    if (this.listenerCount('disconnect') > 0) this.emit('disconnect', { channel: channel.id, code });
    const i = this.held.indexOf(channel);
    if (i >= 0) {
      this.held.splice(i, 1);
      this.pool.destroy(channel).catch(() => undefined);
    }
    if (this.state === 'open') {
      this.counts.reconnects += 1;
      this.metrics.reconnected();
      if (this.retryDelay === 0) this.retryDelay = this.backoff.next();
      if (this.multiplex && this.held.length + this.acquiring < Math.max(1, this.options.pool.min)) this.grow();
    }
  }

  /** An echo test (0800, field 70 = 301) on an idle channel; a missing answer closes the channel. */
  private echo(channel: Channel): void {
    if (this.echoing.has(channel)) return;
    this.echoing.add(channel);
    this.networkRequest(channel, '301')
      .then(
        () => undefined,
        (err: Iso8583Error) => {
          channel.logger.warn({ code: err.code }, 'echo test not answered: closing the connection');
          channel.destroy(connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'echo test not answered', { cause: err }));
        },
      )
      .finally(() => this.echoing.delete(channel));
  }

  // ---- what the reversal manager calls ----

  /** Sends a reversal attempt (no journal, no terminal queue). */
  private sendReversal(message: IsoMessage, timeout: number): Promise<IsoMessage> {
    // Its amount is counted by `answered`, like the reversals a caller sends.
    return this.dispatch(message, timeout, undefined, false).then((r) => r.message);
  }

  private reversalEvent(event: ReversalEvent): void {
    if (this.listenerCount('reversal') > 0) this.emit('reversal', event);
  }

  // ---- internals ----

  private emitError(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private inFlightCount(): number {
    let n = 0;
    for (const channel of this.open) n += channel.inFlight;
    return n;
  }

  private async start(): Promise<void> {
    this.state = 'open';
    if (this.reversals !== undefined) {
      const left = await this.reversals.open();
      if (left > 0) this.logger.warn({ reversals: left }, 'reversals left unfinished by an earlier run: sending them');
    }
    this.pool.start();
    if (this.multiplex) for (let i = this.held.length + this.acquiring; i < Math.max(1, this.options.pool.min); i++) this.grow();
    const tick = Math.max(50, Math.min(1000, Math.floor(this.options.pool.idleTimeout / 2)));
    this.maintenance = setInterval(() => this.evictIdle(), tick);
    this.maintenance.unref();
    this.ready = true;
  }

  /** Waits for a first usable channel (to report connect errors from `connect()`). */
  private async firstChannel(): Promise<void> {
    if (this.multiplex) {
      const channel = this.pick();
      if (channel === undefined) await this.waitForChannel();
      return;
    }
    const channel = await this.acquireExclusive();
    await this.pool.release(channel);
  }

  /** The generic-pool factory: connect (after the backoff delay of earlier failures), sign on. */
  private async createChannel(): Promise<Channel> {
    if (this.retryDelay > 0 && this.state === 'open') {
      await sleep(this.retryDelay, undefined, { ref: false, signal: this.stopping.signal }).catch(() => undefined);
    }
    const id = this.nextChannelId++;
    const logger = this.logger.child({ channel: id, host: this.options.host, port: this.options.port });
    // Shutting down: a closed placeholder settles the pool's waiting requests (a thrown error would be retried at once).
    if (this.state !== 'open') return Channel.placeholder(id, this.host, logger);
    let channel: Channel | undefined;
    try {
      channel = await Channel.connect(id, this.host, logger);
      this.open.add(channel);
      if (this.options.signOn) {
        const response = await this.networkRequest(channel, '001');
        if (response['39'] !== '00') {
          throw connectorError('ISO8583_ERR_CONNECTOR_SIGN_ON', 'the host refused the sign-on', { mti: '0810' });
        }
      }
    } catch (err) {
      channel?.destroy();
      this.retryDelay = this.backoff.next();
      const e = err instanceof Iso8583Error ? err : connectorError('ISO8583_ERR_CONNECTOR_CONNECT_FAILED', 'cannot connect', { cause: err });
      logger.warn({ code: e.code, retryIn: this.retryDelay }, 'connection failed');
      this.emitError(e);
      throw e;
    }
    this.retryDelay = 0;
    this.backoff.reset();
    logger.info('connected');
    if (this.listenerCount('connect') > 0) this.emit('connect', { channel: id });
    return channel;
  }

  private async destroyChannel(channel: Channel): Promise<void> {
    if (this.options.signOff && channel.isOpen) {
      await this.networkRequest(channel, '002', Math.min(this.options.requestTimeout, 2000)).catch(() => undefined);
    }
    await channel.end();
  }

  /** Sends a network management request (0800 with field 70 = `code`) on one channel. */
  private networkRequest(channel: Channel, code: '001' | '002' | '301', timeout = this.options.requestTimeout): Promise<IsoMessage> {
    const message: IsoMessage = { '0': '0800', '7': transmissionTime(), '11': this.stan.next(), '70': code };
    return new Promise<IsoMessage>((resolve, reject) => {
      const body = this.codec.pack(message);
      const req: ChannelRequest = {
        key: this.matchKey.ofRequest(message),
        frame: encodeFrame(body, this.framing, this.frameHeader),
        mti: '0800',
        timeout,
        written: false,
        start: 0,
        timer: undefined,
        resolve: (r) => resolve(r.message),
        reject,
      };
      channel.send(req);
    });
  }

  /** Multiplex: the open held channel with the fewest requests in flight; grows the set up to `pool.max` under load. */
  private pick(): Channel | undefined {
    let best: Channel | undefined;
    for (const channel of this.held) {
      if (channel.isOpen && (best === undefined || channel.inFlight < best.inFlight)) best = channel;
    }
    if (
      this.acquiring === 0 &&
      this.held.length < this.options.pool.max &&
      (best === undefined || best.inFlight > 0) &&
      this.state === 'open'
    ) {
      this.grow();
    }
    return best;
  }

  /** Multiplex: acquires one more channel from the pool and keeps it. */
  private grow(): void {
    if (this.state !== 'open') return;
    this.acquiring += 1;
    this.pool.acquire().then(
      (channel) => {
        this.acquiring -= 1;
        if (this.state !== 'open' || !channel.isOpen) {
          this.pool.destroy(channel).catch(() => undefined);
          if (this.state === 'open') this.grow();
          return;
        }
        this.held.push(channel);
        for (const w of [...this.waiters]) {
          this.waiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(channel);
        }
      },
      () => {
        this.acquiring -= 1;
        // The pool's own attempts (with backoff) go on; a permanent connection is wanted again.
        if (this.state === 'open' && this.held.length === 0) this.grow();
      },
    );
  }

  /** Multiplex: waits for a channel (up to `pool.acquireTimeout`); a failed connect attempt fails the wait at once. */
  private waitForChannel(): Promise<Channel> {
    if (this.state !== 'open') {
      return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing and has no connection'));
    }
    return new Promise<Channel>((resolve, reject) => {
      const w: Waiter = {
        resolve: (channel) => {
          this.connectFailed.delete(onFail);
          resolve(channel);
        },
        reject: (err) => {
          this.connectFailed.delete(onFail);
          reject(err);
        },
        timer: setTimeout(() => {
          this.waiters.delete(w);
          w.reject(poolError(undefined, this.options.pool.acquireTimeout));
        }, this.options.pool.acquireTimeout),
      };
      const onFail = (err: Iso8583Error): void => {
        if (!this.waiters.delete(w)) return;
        clearTimeout(w.timer);
        w.reject(err);
      };
      this.waiters.add(w);
      this.connectFailed.add(onFail);
      if (this.acquiring === 0 && this.held.length < this.options.pool.max) this.grow();
    });
  }

  /** Exclusive: borrows a channel from the pool; a failed connect attempt fails the wait at once. */
  private acquireExclusive(): Promise<Channel> {
    return new Promise<Channel>((resolve, reject) => {
      let done = false;
      const onFail = (err: Iso8583Error): void => {
        if (done) return;
        done = true;
        this.connectFailed.delete(onFail);
        reject(err);
      };
      this.connectFailed.add(onFail);
      this.pool.acquire().then(
        (channel) => {
          this.connectFailed.delete(onFail);
          if (!channel.isOpen) {
            this.pool.destroy(channel).catch(() => undefined);
            if (!done && this.state !== 'open') onFail(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing'));
            else if (!done) onFail(connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'the connection closed before use'));
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
        (err: unknown) => onFail(poolError(err, this.options.pool.acquireTimeout)),
      );
    });
  }

  private releaseExclusive(channel: Channel): void {
    this.borrowed.delete(channel);
    if (channel.isOpen) this.pool.release(channel).catch(() => undefined);
    else this.pool.destroy(channel).catch(() => undefined);
  }

  /** Multiplex: gives back held channels beyond `pool.min` idle for `pool.idleTimeout` (the pool then evicts them). */
  private evictIdle(): void {
    if (!this.multiplex || this.state !== 'open') return;
    const now = performance.now();
    for (let i = this.held.length - 1; i >= 0 && this.held.length > Math.max(1, this.options.pool.min); i--) {
      const channel = this.held[i] as Channel;
      if (channel.inFlight === 0 && now - channel.lastActivity >= this.options.pool.idleTimeout) {
        this.held.splice(i, 1);
        this.pool.release(channel).catch(() => undefined);
      }
    }
  }

  /** Accepts a request: closing check, auto-fill, per-terminal queue. */
  private exchange(input: MessageInput, timeout: number | undefined, header: Uint8Array | undefined): Promise<ChannelResponse> {
    if (this.state === 'closing' || this.state === 'closed') {
      return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing', { mti: mtiOf(input) }));
    }
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
      return Promise.reject(
        connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be a whole number of milliseconds above 0', {
          field: 'timeout',
          problems: [{ field: 'timeout', code: 'ISO8583_ERR_CONNECTOR_OPTIONS', reason: 'must be a whole number of milliseconds above 0' }],
        }),
      );
    }
    if (this.active >= this.options.maxInFlight) {
      return Promise.reject(
        connectorError('ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT', `${this.options.maxInFlight} requests are already in flight`, {
          field: 'maxInFlight',
        }),
      );
    }
    if (this.state === 'new') {
      this.starting ??= this.start();
      this.starting.catch(() => undefined);
    }
    let message = input;
    const fill = this.options.autoFill;
    if ((fill.stan && message['11'] == null) || (fill.transmissionTime && message['7'] == null)) {
      message = { ...message };
      if (fill.stan && message['11'] == null) message['11'] = this.stan.next();
      if (fill.transmissionTime && message['7'] == null) message['7'] = transmissionTime();
    }
    this.active += 1;
    this.counts.requests += 1;
    const mti = mtiOf(message);
    this.byMti[mti] = (this.byMti[mti] ?? 0) + 1;
    const terminal = message['41'];
    const wait = timeout ?? this.options.requestTimeout;
    const go = (): Promise<ChannelResponse> =>
      this.ready
        ? this.dispatch(message, wait, header, true)
        : (this.starting as Promise<void>).then(() => this.dispatch(message, wait, header, true));
    const outcome =
      this.terminalQueue !== undefined && terminal != null ? this.terminalQueue.run(String(terminal), go) : go();
    return outcome.then(
      (response) => {
        this.settle();
        return response;
      },
      (err: Iso8583Error) => {
        this.settle();
        if (err.code === 'ISO8583_ERR_CONNECTOR_TIMEOUT') this.counts.timeouts += 1;
        else this.counts.errors += 1;
        this.metrics.failed(mti, err.code ?? 'unknown');
        throw err;
      },
    );
  }

  private settle(): void {
    this.active -= 1;
    if (this.active === 0 && this.drained !== undefined) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
  }

  /** Packs, journals the reversal (when due), finds a channel, writes, and waits for the response. */
  private async dispatch(message: MessageInput, timeout: number, header: Uint8Array | undefined, journal: boolean): Promise<ChannelResponse> {
    const mti = mtiOf(message);
    const dialectHeader = this.codec.dialect.headerLength ? (this.frameHeader === undefined ? header : undefined) : undefined;
    const body = this.codec.pack(message, dialectHeader === undefined ? undefined : { header: dialectHeader });
    const frameHeader = this.frameHeader === undefined ? undefined : (header ?? this.frameHeader);
    const frame = encodeFrame(body, this.framing, frameHeader);
    const key = this.matchKey.ofRequest(message);
    let entry: JournalEntry | undefined;
    if (journal && this.reversals !== undefined && isReversible(mti)) entry = await this.reversals.arm(message);
    let channel: Channel | undefined;
    let req: ChannelRequest | undefined;
    try {
      if (this.multiplex) channel = this.pick() ?? (await this.waitForChannel());
      else channel = await this.acquireExclusive();
      const ch = channel;
      const response = await new Promise<ChannelResponse>((resolve, reject) => {
        req = { key, frame, mti, timeout, written: false, start: 0, timer: undefined, resolve, reject };
        ch.send(req);
      });
      if (entry !== undefined) {
        // The outcome is durable (`done` fsynced) before the caller sees the response; else it is reversed and fails.
        const answered = entry;
        entry = undefined;
        await this.reversals?.answered(answered);
      }
      this.answered(mti, message, response, ch);
      return response;
    } catch (err) {
      if (entry !== undefined) {
        const code = (err as Iso8583Error).code;
        const unknown =
          req?.written === true &&
          (code === 'ISO8583_ERR_CONNECTOR_TIMEOUT' ||
            code === 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST' ||
            code === 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE');
        if (unknown) this.reversals?.trigger(entry);
        else if (req?.written !== true || code !== 'ISO8583_ERR_CONNECTOR_CLOSED') await this.reversals?.disarm(entry);
      }
      throw err;
    } finally {
      if (!this.multiplex && channel !== undefined) this.releaseExclusive(channel);
    }
  }

  /** Counts an answered request (stats, metrics, amounts) and logs it (MTI, STAN, response code, latency). */
  private answered(mti: string, request: MessageInput, response: ChannelResponse, channel: Channel): void {
    this.counts.responses += 1;
    const rc = responseCodeOf(response.message);
    this.byResponseCode[rc] = (this.byResponseCode[rc] ?? 0) + 1;
    this.metrics.answered(mti, rc, response.latency / 1000);
    const kind = amountKindOf(mti);
    if (kind !== undefined) {
      const amount = amountOf(request['4']);
      if (amount > 0) {
        if (kind === 'reversal') {
          this.addAmount('reversal', amount);
        } else {
          this.addAmount('processed', amount);
          if (rc === '00') {
            this.addAmount('secured', amount);
            if (String(request['3'] ?? '').startsWith('20')) this.addAmount('refund', amount);
          }
        }
      }
    }
    if (channel.logger.isLevelEnabled('debug')) {
      channel.logger.debug({ ...summarize(response.message), latencyMs: Math.round(response.latency * 1000) / 1000 }, 'response');
    }
  }

  private addAmount(kind: keyof ConnectorAmounts, amount: number): void {
    this.amounts[kind] += amount;
    this.metrics.amount(kind, amount);
  }

  private shutdown(): Promise<void> {
    this.shuttingDown ??= this.stopEverything();
    return this.shuttingDown;
  }

  private async stopEverything(): Promise<void> {
    clearInterval(this.maintenance);
    this.stopping.abort();
    await this.reversals?.stop();
    const wasOpen = this.starting !== undefined;
    this.state = 'closed';
    for (const w of [...this.waiters]) {
      this.waiters.delete(w);
      clearTimeout(w.timer);
      w.reject(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed'));
    }
    for (const channel of this.held.splice(0)) await this.pool.release(channel).catch(() => undefined);
    if (wasOpen) {
      await this.pool.drain();
      await this.pool.clear();
    }
    if (this.listenerCount('close') > 0) this.emit('close');
  }
}

/** Creates a connector. Options are validated (a coded error naming every bad option) before any socket opens. */
export function createConnector(options: ConnectorOptions): Connector {
  return new Connector(options);
}

/**
 * A channel: one TCP or TLS connection to the host, with the codec's stream framing and the map of pending requests
 * keyed by match key. Responses are matched by key, never by order; a response for a request that already timed out
 * is reported as late; anything else is unsolicited. A host-initiated 0800 (network management) goes to the
 * connector's network management, which answers it with 0810. When the connection ends, every pending request fails
 * at once with `ISO8583_ERR_CONNECTOR_CONNECTION_LOST`. A response that does not decode (its key read from its
 * bytes), or one without field 39 to a request whose answer needs it (`answerNeedsCode`), fails its request with
 * `ISO8583_ERR_CONNECTOR_BAD_RESPONSE`: the outcome is unknown. The bytes travel through the codec's MessageStream.
 *
 * The framing is trusted only so far: a length header over `maxFrameSize`, or a frame started by the host and not
 * complete within `readTimeout`, drops the connection (a bogus length would otherwise hold back every later response
 * on it, and every request would time out). What passes between the connector and a channel (a request, its response,
 * the channel's host) is channel-request.ts.
 */
import { Socket as NetSocket } from 'node:net';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { MessageStream } from '@iso8583/codec';
import type { IsoMessage, Iso8583Error } from '@iso8583/codec';
import { connectSocket } from './channel-connect.js';
import { recoveredAnswer } from './channel-recovered.js';
import { answerNeedsCode } from './channel-request.js';
import type { ChannelHost, ChannelRequest } from './channel-request.js';
import { connectorError } from './errors.js';
import { isSent } from './late-keys.js';
import type { LateKeys } from './late-keys.js';
import { PeerChannels, PendingRequests, answerTarget } from './channel-peers.js';
import { answersMti, isRequestMti } from './match-key.js';

/**
 * Most bytes a connection holds unwritten (the host does not read them: its socket's buffer is full) before it is
 * dropped, 4 MiB: a host that accepts a connection and never reads would otherwise make it hold every request, echo
 * test and reversal sent on it. See "A host that does not read" in docs/connector.md.
 */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

/**
 * Milliseconds a request must have waited, its frame still unwritten, before its timeout says the host does not read,
 * 1000 (or the connector's `requestTimeout` when shorter): a request whose deadline left it a few ms can find its
 * frame behind a burst's bytes, and dropping the connection failed every request on it (each reversible one reversed).
 */
export const UNREAD_WAIT_MS = 1000;

/** One connection to the host. */
export class Channel {
  /**
   * Requests written (or being written) and awaiting their response, by match key. One map per connection, not per
   * connector: with several connections two requests with the same key can be in flight (one on each); a response that
   * matches none here, or echoes the field 7 a request waiting on another connection sent and not the one
   * here, is matched against the other connections' (channel-peers.ts). See "Write and match" in
   * docs/connector.md. Not a `Map`: one churned by every request keeps dead requests alive through scavenges. It keeps
   * the connector's index of the channels waiting under each key (`PeerChannels`) in step.
   */
  readonly pending: PendingRequests;
  /** True for a {@link Channel.placeholder}: never connected. */
  isPlaceholder = false;
  /** `performance.now()` of the last byte read or written (the pool's idle time). */
  lastActivity = performance.now();
  /** `performance.now()` of the last frame received: the echo test's clock (a wedged host is found under traffic). */
  private lastReceived = this.lastActivity;
  /** Whether a frame came from the host on it (an answer, a sign-on or echo reply, a host request): the link proved itself. */
  heardFrom = false;
  private readonly stream: MessageStream;
  private open = true;
  private echoTimer: NodeJS.Timeout | undefined;
  private closeError: Iso8583Error | undefined;

  private constructor(
    /** The channel's id within its connector (1, 2, ...). */
    readonly id: number,
    readonly socket: Socket | TLSSocket,
    private readonly host: ChannelHost,
    /** The channel's logger (a child with connector, channel, host and port). */
    readonly logger: Logger,
    /**
     * The keys whose requests timed out or were answered on the connector's connections (its factory's, shared by its
     * channels: the host may send a late answer or its copy of an answer on another connection than the request's):
     * their late or duplicate answers told from a reused key's own. Sized for the connections open at once here.
     */
    private readonly late: LateKeys,
    /**
     * The connector's open channels (this one among them; default none): an answer matching no request here is matched
     * against the requests waiting on the others first (a host may answer on another connection than the request's).
     */
    private readonly peers: PeerChannels = new PeerChannels(),
  ) {
    this.pending = new PendingRequests(this, peers);
    this.stream = new MessageStream(
      socket,
      { framing: host.framing, readTimeout: host.options.readTimeout },
      {
        frame: (frame) => {
          this.lastActivity = this.lastReceived = performance.now();
          this.heardFrom = true;
          this.receive(frame.payload, frame.header);
        },
        broken: (err) => this.broken(err),
        closed: (err) => {
          if (err !== undefined) {
            // Its code named, as a connect failure names it (a host's TLS alert: ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED).
            const code = (err as NodeJS.ErrnoException).code;
            const why = typeof code === 'string' ? ` (${code})` : '';
            this.closeError ??= connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', `connection ${id} failed${why}`, { cause: err });
          }
          this.onClose();
        },
      },
    );
    // The late keys are the connector's: sized for the connections it has open at once, this one among them, up to its
    // `pool.max` (late-keys.ts `fit`): as many per connection as one held, not a whole `pool.max`'s for one connection.
    late.fit(Math.min(host.options.pool.max, this.peers.size + (this.peers.has(this) ? 0 : 1)));
    const interval = host.options.echoInterval;
    if (interval > 0) {
      this.echoTimer = setInterval(() => {
        if (this.open && performance.now() - this.lastReceived >= interval) host.echo(this);
      }, Math.max(10, Math.floor(interval / 2)));
      this.echoTimer.unref();
    }
  }

  /**
   * Opens a connection (TCP, or TLS when `tls` is set) within `connectTimeout` (channel-connect.ts); `signal` aborted
   * first ends it at once (default none). `late`: the connector's late keys, shared by its channels; `peers`: its open
   * channels, whose waiting requests an answer that matches none here is matched against (default none).
   */
  static connect(id: number, host: ChannelHost, logger: Logger, late: LateKeys, signal?: AbortSignal, peers?: PeerChannels): Promise<Channel> {
    return connectSocket(host.options, (socket) => new Channel(id, socket, host, logger, late, peers), signal);
  }

  /**
   * A channel that is already closed, handed to the pool when it asks for a connection while the connector shuts
   * down: it settles the pool's waiting requests (which generic-pool cannot cancel) without a connect attempt.
   */
  static placeholder(id: number, host: ChannelHost, logger: Logger, late: LateKeys): Channel {
    const socket = new NetSocket();
    const channel = new Channel(id, socket, host, logger, late);
    channel.open = false;
    channel.isPlaceholder = true;
    clearInterval(channel.echoTimer);
    socket.destroy();
    return channel;
  }

  /** True while the connection is usable (the pool's validation). */
  get isOpen(): boolean {
    return this.open && !this.socket.destroyed && this.socket.writable;
  }

  /** Requests awaiting their response. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Writes a request and waits for the response with the same match key. Refuses a key already in flight
   * (`ISO8583_ERR_CONNECTOR_DUPLICATE_KEY`) and fails at once on a closed channel. A key of a request that timed out
   * or was answered here is not in flight and may be sent again; while it waits, an answer under it whose field 7 equals a
   * timed-out request's `echo7` and differs from this request's is the timed-out one's, reported late, and one whose
   * field 7 equals that of a request answered under it (and differs) is the host's duplicate of that answer,
   * reported unsolicited; any other answer (no field 7, the host's own time; or this request a repeat, an attempt, or
   * without `echo7`) is this request's. A new transaction should take a fresh STAN ("Write and match" in
   * docs/connector.md).
   */
  send(req: ChannelRequest): void {
    if (!this.isOpen) {
      req.reject(connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', `connection ${this.id} is closed`, { mti: req.mti }));
      return;
    }
    if (this.pending.has(req.key)) {
      req.reject(
        connectorError('ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', `a request with the same match key (${this.host.matchKey.fields.join(', ')}) is in flight`, {
          mti: req.mti,
          field: 'matchKey',
        }),
      );
      return;
    }
    this.pending.set(req.key, req);
    // The expiry waits one turn (setImmediate): after a stalled loop, due timers run before sockets are read, so an
    // answer already received would otherwise lose to its timeout (a needless reversal); the poll phase reads it first.
    req.timer = setTimeout(() => setImmediate(() => this.expire(req)), req.timeout);
    req.start = performance.now();
    this.lastActivity = req.start;
    req.written = true;
    this.write(req.frame);
    req.end = this.stream.queuedBytes;
  }

  /**
   * Writes a frame; the writes of one tick go out together. When the socket then holds more than
   * {@link MAX_UNSENT_BYTES} unwritten (the host does not read), the connection is dropped. The frames of this tick
   * not yet handed to the socket do not count: a burst to a host that reads (a backlog of reversals, padded requests)
   * is no sign of a host that does not.
   */
  write(frame: Buffer): void {
    this.stream.write(frame);
    if (this.socket.writableLength > MAX_UNSENT_BYTES) this.unread(`over ${MAX_UNSENT_BYTES} bytes`);
  }

  /**
   * The host does not read what is written to it (`why`: how that shows): the connection is dropped, its pending
   * requests fail with `CONNECTION_LOST` (unknown outcomes are reversed), its unwritten bytes are let go.
   */
  private unread(why: string): void {
    if (!this.open || this.socket.destroyed) return;
    const unsent = this.stream.unsentBytes;
    this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', unsentBytes: unsent }, 'the host does not read what is sent to it: closing the connection');
    const error = connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', `the host does not read connection ${this.id}: ${why} (${unsent} bytes) not written`);
    this.host.problem(this, error);
    this.destroy(error);
  }

  /** Ends the connection after the writes queued (pending requests fail if their responses have not come). */
  end(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.socket.destroyed) {
        resolve();
        return;
      }
      // A host that never closes its side: give it a moment, then cut. The timer goes with the socket: left running, it
      // kept the closed connector (its channel, codec and counts, about 60 KB) for that moment after every close.
      const cut = setTimeout(() => this.socket.destroy(), 1000).unref();
      this.socket.once('close', () => {
        clearTimeout(cut);
        resolve();
      });
      this.stream.end();
    });
  }

  /** Aborts the connection; pending requests fail with `err` (or `CONNECTION_LOST`). */
  destroy(err?: Iso8583Error): void {
    if (err !== undefined) this.closeError ??= err;
    this.socket.destroy();
  }

  /**
   * @internal Stops waiting for `req`'s response, as its timeout does (a response that comes later is reported as late):
   * it fails with `err` (default `ISO8583_ERR_CONNECTOR_TIMEOUT`). Nothing when it is no longer pending.
   */
  expire(req: ChannelRequest, err?: Iso8583Error): void {
    if (this.pending.get(req.key) !== req) return;
    clearTimeout(req.timer);
    this.pending.delete(req.key);
    this.late.timedOut(req.key, req.echo7, req);
    req.reject(err ?? connectorError('ISO8583_ERR_CONNECTOR_TIMEOUT', `no response within ${req.timeout} ms`, { mti: req.mti }));
    // Its frame still in the socket's buffer after a full wait (UNREAD_WAIT_MS): the host reads nothing (a slow link drains it).
    const full = req.timeout >= Math.min(UNREAD_WAIT_MS, this.host.options.requestTimeout);
    if (err === undefined && full && this.stream.queuedBytes - this.stream.unsentBytes < req.end) this.unread(`a request still unwritten after its ${req.timeout} ms timeout`);
  }

  /**
   * The stream can no longer be trusted: a length header over `maxFrameSize`, or a frame the host started and did not
   * complete within `readTimeout` (a bogus length would otherwise hold back every later response on this connection).
   * The connection is dropped; its pending requests fail with `CONNECTION_LOST` (unknown outcomes are reversed).
   */
  private broken(err: Iso8583Error): void {
    const timedOut = err.code === 'ISO8583_ERR_FRAME_READ_TIMEOUT';
    this.logger.warn(
      timedOut
        ? {
            code: 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST',
            readTimeout: this.host.options.readTimeout,
            bufferedBytes: this.stream.bufferedBytes,
            frameSize: this.stream.partialFrameSize,
          }
        : { code: err.code },
      timedOut
        ? 'a frame from the host was not completed within readTimeout: closing the connection'
        : 'broken framing from the host: closing the connection',
    );
    const error = connectorError(
      'ISO8583_ERR_CONNECTOR_CONNECTION_LOST',
      timedOut ? `${err.message.replace(/^a frame/, 'a frame from the host')} on connection ${this.id}` : `broken framing on connection ${this.id} (${err.code})`,
      timedOut ? { field: 'readTimeout' } : { cause: err },
    );
    this.host.problem(this, error);
    this.destroy(error);
  }

  private receive(payload: Buffer, frameHeader: Buffer): void {
    let message: IsoMessage;
    let header = frameHeader;
    try {
      const decoded = this.host.codec.decode(payload);
      message = decoded.message;
      if (header.length === 0) header = decoded.header;
    } catch (err) {
      const e = err as Iso8583Error;
      this.logger.warn({ code: e.code, field: e.field, offset: e.offset, bytes: payload.length }, 'undecodable message from the host');
      this.host.problem(this, e);
      const failed = recoveredAnswer(this.host, this.peers, this, this.late, payload, e);
      if (failed !== undefined) failed.channel.fail(failed.req, failed.error);
      return;
    }
    const mti = message['0'];
    if (typeof mti === 'string' && isRequestMti(mti)) {
      if (this.host.isNetworkRequest(mti)) {
        this.host.networkRequest(this, message, header);
        return;
      }
      this.host.unmatched(this, message, header, false);
      return;
    }
    // The request waiting under its key here, or one waiting on another connection of the connector (the host may
    // answer on another connection than the request's): channel-peers.ts; else it is judged late or unsolicited.
    const key = this.host.matchKey.ofResponse(message);
    const target = answerTarget(this.peers, this, key, message, this.host.matchKey.keysMti, this.late);
    if (target === undefined) this.unmatchedAnswer(key, message, header);
    else target.channel.answer(target.req, key, message, header, payload);
  }

  /** `message` (`payload`), under `key`, with `req` waiting under it here: its answer or a stale one (channel-peers.ts). */
  answer(req: ChannelRequest, key: string, message: IsoMessage, header: Buffer, payload: Buffer): void {
    const mti = message['0'];
    if (!this.host.matchKey.keysMti && !answersMti(req.mti, mti)) {
      // Another class under a key without field 0 (an 0810 or a 0410 under a 0200's STAN and terminal): no answer to
      // the request, which keeps waiting for its own; an earlier request's under the key that timed out, maybe (a
      // timed-out 0200's late 0210 while its reversal waits): counted with what it sent, once, as with nothing waiting.
      this.unmatchedAnswer(key, message, header);
      return;
    }
    // A key an earlier request used here (it timed out, or was answered, and this one reused it): the answer may be
    // the old request's late answer or the host's duplicate of its answer; the echoed field 7 tells (late-keys.ts).
    const stale = this.late.stale(key, req.anyAnswer ? undefined : req.echo7, message);
    if (stale === undefined) {
      if (typeof message['39'] !== 'string' && answerNeedsCode(req.mti)) {
        // Field 39 is mandatory in a response: without it, whether the host approved is unknown (a purchase is reversed).
        this.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE', field: '39', mti: req.mti }, 'a response without field 39 (response code) from the host: its outcome is unknown');
        const err = connectorError('ISO8583_ERR_CONNECTOR_BAD_RESPONSE', `the response (${String(mti)}) has no field 39 (response code); the outcome at the host is unknown`, { mti: req.mti, field: '39' });
        this.host.problem(this, err);
        this.fail(req, err);
        return;
      }
      this.pending.delete(key);
      clearTimeout(req.timer);
      this.late.answered(key, req.echo7, message, req);
      req.resolve({ message, header, latency: performance.now() - req.start, body: payload, dialect: this.host.codec.dialect });
      return;
    }
    // A late answer is counted with what its request sent (a bank that does not echo field 4), and a copy of it is
    // the host's duplicate from then on: each approval counted once.
    // A stale duplicate that is not the whole answer again (the host changed its mind: 05 in time, 00 now) is offered
    // as a late approval once: taken (late-keys.ts `took`), its own copy is a copy.
    const sent = stale === 'late' ? this.late.lateCame(key, message['7'] as string, mti) : undefined;
    const copy = stale === 'duplicate' ? this.late.copyOfAnswer(key, message) : undefined;
    if (copy === undefined) this.late.took(key, message, stale === 'late', sent);
    this.host.unmatched(this, message, header, stale === 'late', sent, copy);
  }

  /**
   * A response under `key` no request of its class waits for: a timed-out request's late answer (counted with what it
   * sent), the host's copy of an answer (one the late keys took already, or one matched on a connection of the
   * connector: no late approval), or else unsolicited (an approval among them offered to the reversals, once: taken,
   * its copy is a copy).
   */
  private unmatchedAnswer(key: string, message: IsoMessage, header: Buffer): void {
    const sent = this.late.lateAnswer(key, message);
    const copy = typeof sent === 'string' ? sent : sent === undefined ? this.late.copyOfAnswer(key, message) : undefined;
    if (copy === undefined) this.late.took(key, message, isSent(sent), isSent(sent) ? sent : undefined);
    this.host.unmatched(this, message, header, isSent(sent), isSent(sent) ? sent : undefined, copy);
  }

  /**
   * @internal Fails `req`, waiting here, answered by the host (on this connection or another: channel-recovered.ts)
   * with something that is no answer (`BAD_RESPONSE`): its key remembered as a timed out one's, so that the host's real
   * answer, should it come, is a late answer (an approval then reversed again, an SAF attempt ended by it), not an
   * unsolicited one.
   */
  fail(req: ChannelRequest, err: Iso8583Error): void {
    this.pending.delete(req.key);
    clearTimeout(req.timer);
    this.late.timedOut(req.key, req.echo7, req);
    req.reject(err);
  }

  private onClose(): void {
    if (!this.open) return;
    this.open = false;
    clearInterval(this.echoTimer);
    const err =
      this.closeError ?? connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', `connection ${this.id} closed by the host`);
    for (const req of this.pending.values()) {
      clearTimeout(req.timer);
      req.reject(
        connectorError(err.code as 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', err.message, { mti: req.mti, cause: err.cause }),
      );
    }
    this.pending.clear();
    this.host.closed(this, this.closeError);
  }
}

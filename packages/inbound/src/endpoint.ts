import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createCodec, isIso8583Error, type Codec, type FramingOptions } from '@iso8583/codec';
import { createAllowList } from './allow-list.js';
import { InboundConnection } from './connection.js';
import { handshakeFailedLine, listenerThrewLine } from './connection-lines.js';
import type { EndpointCore } from './core.js';
import { DeadlineList } from './deadlines.js';
import { InFlightJobs } from './in-flight-jobs.js';
import { listeningWarnings } from './listening-warnings.js';
import { LogLimit, LogLimits } from '@iso8583/metrics';
import { sequenceExpired, type InFlight } from './pipeline.js';
import { giveUp } from './give-up.js';
import { codeOf, inboundError } from './errors.js';
import { createListener, listen } from './listener.js';
import { InboundMetrics } from './metrics.js';
import type { InboundStats } from './metrics.js';
import { closeDeadline, validateInboundOptions } from './options.js';
import type { InboundOptions, ResolvedInboundOptions } from './options.js';
import { logSafely } from './safe-log.js';
import { loadSequence } from './sequence-registry.js';
import { REPLY_WARNINGS_PER_SECOND } from './reply-check.js';
import { rcFixedTextLength } from './reply-write.js';
import { ConnectionSlots, endText } from './slots.js';
import { handshakeCause, parentOf, slotOfTls } from './tls-socket.js';
import { ServedCertificate } from './tls-expiry.js';
import type { Slot, SlotEnd, SlotRefusal } from './slots.js';
import type { Sequence } from './sequence.js';
import type { CloseOptions, ConnectionInfo, InboundEndpoint, InboundEndpointEvents } from './endpoint-api.js';

export type { CloseOptions, ConnectionInfo, DisconnectInfo, InboundEndpoint, InboundEndpointEvents } from './endpoint-api.js';

/** Warnings a second, at most, for frames that do not decode (the rest are counted; see log-limit.ts in @iso8583/metrics). */
const DECODE_WARNINGS_PER_SECOND = 20;
/** Warnings a second, at most, for each kind of refused connection (the rest are counted; see log-limit.ts in @iso8583/metrics). */
const REFUSAL_WARNINGS_PER_SECOND = 20;
/**
 * Lines a second, at most, for each code of a connection or handshake the endpoint closed (a failed TLS handshake, a
 * timeout, an eviction, broken framing): a client can cause one per connection it opens (the rest are counted).
 */
const CLOSE_LINES_PER_SECOND = 20;

/**
 * The code of the close's warnings that its deadline passed (docs/errors.md): connections still open then are destroyed
 * (`connections`), sequences still running then are given up on (`inFlight`).
 */
const CLOSE_DEADLINE_WARNING = 'ISO8583_WARN_INBOUND_CLOSE_DEADLINE';

/** Milliseconds `close()` drains by default (its `deadline`): 10000. */
export const DEFAULT_CLOSE_DEADLINE = 10000;

class Endpoint extends EventEmitter<InboundEndpointEvents> implements InboundEndpoint {
  readonly name: string;
  readonly options: ResolvedInboundOptions;
  readonly #metrics: InboundMetrics;
  readonly #jobs: InFlightJobs;
  /** The sequence timeouts of the messages in flight (`EndpointCore.deadlines`): what a close that gives up aborts. */
  readonly #deadlines: DeadlineList<InFlight>;
  readonly #logger: Logger;
  readonly #codec: Codec;
  /** The reply read-back's codec (`EndpointCore.readBack`): its own cache of message shapes, apart from the requests'. */
  readonly #readBack: Codec;
  readonly #framing: FramingOptions;
  readonly #allowed: ((address: string | undefined) => boolean) | undefined;
  readonly #idPrefix = randomBytes(4).toString('hex');
  #messageCount = 0;
  #connectionCount = 0;
  #server: Server | undefined;
  #starting: Promise<AddressInfo> | undefined;
  #closing: Promise<void> | undefined;
  /** Opened by `destroy()`: the drain (if any) stops waiting. */
  #abort: (() => void) | undefined;
  readonly #aborted = new Promise<'aborted'>((resolve) => {
    this.#abort = () => resolve('aborted');
  });
  #destroyed = false;
  /** Every accepted socket (TLS: the raw socket, from accept on, handshake included), under `maxConnections`. */
  readonly #slots: ConnectionSlots;
  /**
   * Sockets the endpoint closed before or during their TLS handshake (refused, evicted, cut by the close): the TLS
   * layer's report of it (`tlsClientError`) is not counted.
   */
  readonly #cut = new WeakSet<Socket>();
  readonly #connections = new Set<InboundConnection>();
  readonly #refusals = new LogLimits(REFUSAL_WARNINGS_PER_SECOND);
  readonly #closeLines = new LogLimits(CLOSE_LINES_PER_SECOND);
  #served: ServedCertificate | undefined; // the certificate a TLS endpoint serves, read at start (tls-expiry.ts)

  /** The endpoint's Registry (the `registry` option's, else its own, made when first asked for). */
  get registry(): Registry {
    return this.#metrics.registry;
  }

  constructor(options: InboundOptions) {
    super();
    this.options = validateInboundOptions(options);
    const o = this.options;
    this.name = o.name;
    this.#logger = (o.logger ?? pino({ level: 'silent' })).child({ endpoint: o.name });
    this.#metrics = new InboundMetrics(o.name, o.registry);
    this.#jobs = new InFlightJobs(this.#metrics, this.options.maxInFlight);
    this.#deadlines = new DeadlineList<InFlight>(o.sequenceTimeout, sequenceExpired);
    try {
      this.#codec = createCodec(o.dialect, { lenient: o.lenient });
      this.#readBack = createCodec(o.dialect, { lenient: o.lenient });
    } catch (cause) {
      const reason = `dialect cannot be used (${codeOf(cause)})`;
      throw inboundError('ISO8583_ERR_INBOUND_OPTIONS', `invalid inbound options: ${reason}`, {
        field: 'dialect',
        problems: [{ field: 'dialect', code: codeOf(cause), reason }],
        cause,
      });
    }
    const codec = this.#codec;
    this.#framing = {
      lengthHeader: o.frame,
      lengthIncludesHeader: o.lengthIncludesHeader,
      headerBytes: o.headerBytes,
      lengthExcludesHeaderBytes: o.lengthExcludesHeaderBytes,
      maxFrameSize: o.maxFrameSize,
      ...(o.frame === 'none' ? { measure: (bytes: Buffer) => codec.measure(bytes) } : {}),
    };
    this.#allowed = o.allow === undefined ? undefined : createAllowList(o.allow);
    this.#slots = new ConnectionSlots(o.maxConnections, o.maxConnectionsPerAddress, o.firstMessageTimeout, { ended: (slot, code) => this.#ended(slot, code) });
  }

  start(): Promise<AddressInfo> {
    if (this.#closing !== undefined) {
      return Promise.reject(inboundError('ISO8583_ERR_INBOUND_LISTEN', `endpoint "${this.name}" is closed`));
    }
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<AddressInfo> {
    const o = this.options;
    const sequence = await loadSequence(o.sequence);
    const onError = o.onError === undefined ? undefined : await loadSequence(o.onError, 'onError');
    const core = this.#core(sequence, onError);
    const server = createListener(o);
    const served = (this.#served = o.tls === undefined ? undefined : new ServedCertificate(o.tls));
    this.#metrics.certificateExpiry = served?.expirySeconds;
    server.on('connection', (socket: Socket) => this.#accept(socket, core, o.tls === undefined));
    if (o.tls !== undefined) {
      server.on('secureConnection', (socket: TLSSocket) => {
        socket.allowHalfOpen = true; // from here on (a one-shot terminal's FIN); not in the handshake (listener.ts)
        const slot = slotOfTls(this.#slots, socket);
        if (slot === undefined) socket.destroy();
        else this.#open(socket, core, slot);
      });
      server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
        // Node reports a handshake timeout without closing the socket: a silent client would keep its slot for ever.
        socket.destroy();
        const parent = parentOf(socket);
        if (parent !== undefined && this.#cut.has(parent)) return; // closed by the admission rules, counted there
        const cause = handshakeCause(socket, err);
        if (cause === undefined) return; // connected and closed without a byte (a health check): no handshake began
        this.#metrics.error('ISO8583_ERR_INBOUND_TLS');
        handshakeFailedLine(this.#closeLines, this.#logger, cause, () => served?.outsideValidity());
      });
    }
    this.#server = server;
    const address = await listen(server, o.host, o.port);
    server.on('error', (err) => {
      logSafely(() => this.#logger.error({ code: 'ISO8583_ERR_INBOUND_LISTEN', cause: codeOf(err) }, 'listener error'));
      if (this.listenerCount('error') > 0) this.#tell('error', this.#logger, () => this.emit('error', err));
    });
    logSafely(() => this.#logger.info({ host: address.address, port: address.port, tls: o.tls !== undefined }, 'inbound endpoint listening'));
    listeningWarnings(this.#logger, o);
    if (this.#closing === undefined) served?.watch(this.#logger);
    this.#tell('listening', this.#logger, () => this.emit('listening', address));
    return address;
  }

  #core(sequence: Sequence, onError: Sequence | undefined): EndpointCore {
    return {
      options: this.options,
      codec: this.#codec,
      readBack: this.#readBack,
      rcFixedTextLength: rcFixedTextLength(this.#codec.dialect),
      framing: this.#framing,
      sequence,
      onError,
      metrics: this.#metrics,
      jobs: this.#jobs,
      logger: this.#logger,
      // The logger as it is: its own `redact` applies to sequence lines too (the masking logger masks card data).
      sequenceLogger: this.#logger,
      nextMessageId: () => `${this.#idPrefix}-${(++this.#messageCount).toString(36)}`,
      deadlines: this.#deadlines,
      decodeWarnings: new LogLimit(DECODE_WARNINGS_PER_SECOND),
      replyWarnings: new LogLimit(REPLY_WARNINGS_PER_SECOND),
      closeLines: this.#closeLines,
    };
  }

  /** A socket just accepted (before any TLS handshake): the allow-list and the connection limit apply here. */
  #accept(socket: Socket, core: EndpointCore, plain: boolean): void {
    const remote = { remoteAddress: socket.remoteAddress, remotePort: socket.remotePort };
    if (this.#closing !== undefined) {
      // The endpoint's own doing: counted and logged here, not a failed handshake (the tlsClientError that follows).
      this.#refuse(socket, 'ISO8583_ERR_INBOUND_CLOSING', 'connection refused: the endpoint is closing', remote);
      return;
    }
    if (this.#allowed !== undefined && !this.#allowed(socket.remoteAddress)) {
      this.#refuse(socket, 'ISO8583_ERR_INBOUND_NOT_ALLOWED', 'connection refused: address not in the allow-list', remote);
      return;
    }
    const slot = this.#slots.admit(socket);
    if (typeof slot === 'string') {
      this.#refuse(socket, slot, slot === 'ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS'
        ? 'connection refused: maxConnections reached'
        : 'connection refused: maxConnectionsPerAddress reached for its address', remote);
      return;
    }
    // A peer that vanished without FIN or RST: the system's keepalive probes find it (0: off).
    if (this.options.keepAlive > 0) socket.setKeepAlive(true, this.options.keepAlive);
    if (plain) this.#open(socket, core, slot);
    else socket.on('error', () => undefined); // the TLS socket on top reports it (tlsClientError or its own error)
  }

  /** A slot closed by the admission rules: a connection closes itself (logged there), a handshake is cut here. */
  #ended(slot: Slot, code: SlotEnd): void {
    if (slot.abort !== undefined) {
      slot.abort(code);
      return;
    }
    this.#metrics.error(code);
    const suppressed = this.#closeLines.take(code);
    if (suppressed !== undefined) {
      const remote = { remoteAddress: slot.remoteAddress, remotePort: slot.remotePort };
      logSafely(() => this.#logger.info({ code, ...remote, ...(suppressed > 0 ? { suppressed } : {}) }, endText(code)));
    }
    this.#cut.add(slot.socket);
    slot.destroy();
  }

  #refuse(socket: Socket, code: 'ISO8583_ERR_INBOUND_NOT_ALLOWED' | 'ISO8583_ERR_INBOUND_CLOSING' | SlotRefusal, text: string,
    remote: Record<string, unknown>): void {
    this.#metrics.error(code);
    const suppressed = this.#refusals.take(code);
    if (suppressed !== undefined) logSafely(() => this.#logger.warn({ code, ...remote, ...(suppressed > 0 ? { suppressed } : {}) }, text));
    socket.on('error', () => undefined);
    this.#cut.add(socket); // counted here: the TLS socket's reset that follows is no failed handshake
    socket.destroy();
  }

  #open(socket: Socket, core: EndpointCore, slot: Slot): void {
    if (this.#closing !== undefined) {
      // A TLS handshake that ended after close() began: refused as a connection accepted while closing. The peer as
      // the accepted socket knew it (the slot's): a TLS socket that lost its handle (a reset) knows none.
      this.#refuse(socket, 'ISO8583_ERR_INBOUND_CLOSING', 'connection refused: the endpoint is closing',
        { remoteAddress: slot.remoteAddress, remotePort: slot.remotePort });
      return;
    }
    const connection = new InboundConnection(socket, core, ++this.#connectionCount, slot);
    this.#connections.add(connection);
    this.#metrics.connectionOpened();
    logSafely(() => connection.logger.debug('connection open'));
    void connection.closed.then(() => {
      this.#connections.delete(connection);
      this.#metrics.connectionClosed();
      logSafely(() => connection.logger.debug('connection closed'));
    });
    const info: ConnectionInfo = { id: connection.id, remoteAddress: connection.remoteAddress, remotePort: connection.remotePort };
    void connection.closed.then(() => {
      const code = connection.endCode;
      if (this.listenerCount('disconnect') > 0) this.#tell('disconnect', connection.logger, () => this.emit('disconnect', code === undefined ? info : { ...info, code }));
    });
    this.#tell('connection', connection.logger, () => this.emit('connection', info));
  }

  /**
   * Emits one of the endpoint's events (`emit`), logged on `logger` (the connection's for `connection` and
   * `disconnect`). A listener that throws is the integrator's bug, not the client's: counted and logged
   * (`ISO8583_ERR_INBOUND_INTERNAL`, the thrown value's code only; capped per event, see connection-lines.ts), never
   * passed on: out of `start()` or `close()` it would reject them while the endpoint listens on or has closed; out of
   * the server's `connection` or `error` handler or a promise's callback, it would take the process down.
   */
  #tell(event: keyof InboundEndpointEvents, logger: Logger, emit: () => void): void {
    try {
      emit();
    } catch (thrown) {
      this.#metrics.error('ISO8583_ERR_INBOUND_INTERNAL');
      listenerThrewLine(this.#closeLines, logger, event, thrown);
    }
  }

  close(options?: CloseOptions): Promise<void> {
    // Idempotent: a later call returns the first one's promise, whatever it asks (its deadline is not looked at).
    if (this.#closing !== undefined) return this.#closing;
    let deadline: number;
    try {
      deadline = closeDeadline(options, DEFAULT_CLOSE_DEADLINE);
    } catch (err) {
      // Refused before anything closes: a call with a good deadline may follow.
      return Promise.reject(err);
    }
    this.#closing = this.#close(deadline);
    return this.#closing;
  }

  destroy(reason?: Error): Promise<void> {
    if (!this.#destroyed) {
      this.#destroyed = true;
      logSafely(() => this.#logger.info({ ...(reason === undefined ? {} : { cause: codeOf(reason) }) }, 'inbound endpoint destroyed'));
      this.#abort?.();
    }
    this.#closing ??= this.#close(0);
    return this.#closing;
  }

  async #close(deadline: number): Promise<void> {
    if (this.#starting !== undefined) {
      try {
        await this.#starting;
      } catch {
        // never listened: nothing to close but the state
      }
    }
    const server = this.#server;
    const serverClosed = server === undefined || !server.listening
      ? Promise.resolve()
      : new Promise<void>((resolve) => server.close(() => resolve()));
    logSafely(() => this.#logger.info({ connections: this.#connections.size }, 'inbound endpoint closing'));
    let outcome: 'drained' | 'expired' | 'aborted' = 'aborted';
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), this.#destroyed ? 0 : deadline);
    });
    if (!this.#destroyed) {
      const drained = Promise.all([...this.#connections].map((c) => c.drain()));
      outcome = await Promise.race([drained.then(() => 'drained' as const), expired, this.#aborted]);
    }
    if (outcome === 'expired') {
      logSafely(() => this.#logger.warn({ code: CLOSE_DEADLINE_WARNING, connections: this.#connections.size }, 'close deadline passed: destroying connections'));
    }
    // Sockets still handshaking (TLS) or left at the deadline. A connection closes its own socket, read out only while
    // bytes keep coming (MessageStream.cut: a client that never reads would hold the close 0.5-10 s by the quiet wait,
    // past the connectors' destroy, its replies cut reversed too late); a slot, only the sockets no connection was
    // built on.
    const left = [...this.#connections];
    for (const connection of left) connection.destroy(true);
    for (const slot of [...this.#slots.values()]) {
      if (slot.abort !== undefined) continue;
      // Cut by the close, not failed by the client: the TLS layer's report of it is not counted (tlsClientError).
      this.#cut.add(slot.socket);
      slot.destroy();
    }
    await Promise.all(left.map((c) => c.closed));
    await serverClosed;
    // The sequences of clients that have gone, still running: their results (an approval to reverse, by onLateResult)
    // come before the close resolves, up to the deadline (an application closes its connectors after it). Past the
    // deadline already ('expired'): those still running are said.
    if (outcome !== 'aborted' && this.#jobs.count > 0) {
      if (outcome === 'drained') logSafely(() => this.#logger.info({ inFlight: this.#jobs.count }, 'waiting for the sequences still running'));
      if (outcome === 'expired' || (await Promise.race([this.#jobs.idle().then(() => 'idle' as const), expired, this.#aborted])) === 'expired') {
        logSafely(() => this.#logger.warn({ code: CLOSE_DEADLINE_WARNING, inFlight: this.#jobs.count }, 'close deadline passed: sequences still running'));
      }
    }
    clearTimeout(timer);
    this.#served?.stop();
    // Given up on (the deadline passed, or a destroy): the sequences still running have their signal aborted (give-up.ts).
    giveUp({ deadlines: this.#deadlines, jobs: this.#jobs, metrics: this.#metrics, logger: this.#logger });
    // Its series leave a shared Registry, its name free again there: once what the sequences given up on count after
    // the close (a client-gone approval) has been scraped (metrics.ts `retire`); at once when none runs.
    // Those that had timed out before (their client had its 96) count too: an approval settling late (LATE_REPLY).
    if (this.#jobs.count === 0 && this.#jobs.lateRunning === 0) this.#metrics.release();
    else this.#metrics.retire(this.#jobs.settledAll(), this.options.sequenceTimeout);
    logSafely(() => this.#logger.info('inbound endpoint closed'));
    this.#tell('close', this.#logger, () => this.emit('close'));
  }

  address(): AddressInfo | null {
    const address = this.#server?.listening === true ? this.#server.address() : null;
    return address !== null && typeof address === 'object' ? address : null;
  }

  stats(): InboundStats {
    return this.#metrics.snapshot();
  }
}

/**
 * Makes an inbound endpoint: validates the options (throws `ISO8583_ERR_INBOUND_OPTIONS` naming every bad one) and
 * prepares the codec; `start()` loads the sequences and listens.
 */
export function createInboundEndpoint(options: InboundOptions): InboundEndpoint {
  try {
    return new Endpoint(options);
  } catch (err) {
    if (isIso8583Error(err)) throw err;
    throw inboundError('ISO8583_ERR_INBOUND_OPTIONS', `invalid inbound options (${codeOf(err)})`, { cause: err });
  }
}

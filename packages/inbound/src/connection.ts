import type { Socket } from 'node:net';
import { MessageStream, type Frame, type Iso8583Error } from '@iso8583/codec';
import type { Logger } from 'pino';
import type { EndpointCore, Peer } from './core.js';
import { closedLine, framingEnd, partialFrameLine, socketFailedLine } from './connection-lines.js';
import { DroppedFrames } from './dropped-frames.js';
import { ReplyNotes } from './reply-notes.js';
import { lostInReset } from './reply-write.js';
import { codeOf, type InboundErrorCode } from './errors.js';
import { OwnClose, ownCloseBound } from './own-close.js';
import { handleFrame } from './pipeline.js';
import { ConnectionRoom } from './connection-room.js';
import { childSafely, logSafely } from './safe-log.js';
import { endText, type Slot } from './slots.js';

/**
 * One client connection: cuts frames from the stream, handles up to `maxInFlightPerConnection` messages at once (and
 * the endpoint's `maxInFlight`) and writes each reply when it is ready (not in request order). Reading pauses at those
 * limits or while the client does not read its replies: a connection's memory stays bounded. Also here: the read and
 * idle timeouts, broken framing, `maxFormatErrors` (closed, replies owed written first: own-close.ts).
 */
export class InboundConnection implements Peer {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly logger: Logger;
  /** The peer as the connection's lines name it (null when unknown). */
  readonly #peer: { remoteAddress: string | null; remotePort: number | null };
  #sequenceLogger: Logger | undefined;
  /** Settles when the socket has closed. */
  readonly closed: Promise<void>;
  /** The notes of the replies the kernel may hold, for a reset of our own (reply-notes.ts). */
  readonly replyNotes = new ReplyNotes(() => this.socket.writableLength > 0 || this.gone || this.draining || this.ownClose.begun);
  #hasClosed = false;

  private readonly stream: MessageStream;
  /** The frames it may start, those waiting, what is in flight (connection-room.ts). */
  private readonly room: ConnectionRoom;
  /** The endpoint is closing: no more frames are taken; the socket ends once in-flight messages are answered. */
  private draining = false;
  /** The client has half-closed: answer what is in flight, then end. */
  private peerEnded = false;
  private needDrain = false;
  /** closeAfterReply: a reply was written and the drain that follows it is queued. */
  private drainQueued = false;
  private gone = false;
  /** Frames in a row that did not decode (see `maxFormatErrors`). */
  private formatErrors = 0;
  /**
   * Draining and reading on (readOnWhileDraining): every frame read now was not read when the close began (sent after
   * it, or left in the socket while the connection was at its limits), each dropped at once (`room` is unbounded: none
   * is held to start later).
   */
  private discarding = false;
  /** The frames read and never started (counted, said once at the close). */
  private readonly dropped: DroppedFrames;
  private readonly ownClose = new OwnClose();
  #endCode: InboundErrorCode | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly core: EndpointCore,
    readonly id: number,
    private readonly slot: Slot,
  ) {
    // The accepted socket's, read at accept (slots.ts): a TLS socket whose client reset right after its handshake
    // has lost them. Unknown (a client reset before it was accepted): '' and 0 here, null in the lines.
    this.remoteAddress = slot.remoteAddress ?? '';
    this.remotePort = slot.remotePort ?? 0;
    this.#peer = { remoteAddress: slot.remoteAddress ?? null, remotePort: slot.remotePort ?? null };
    this.logger = childSafely(core.logger, { connection: id, ...this.#peer });
    this.room = new ConnectionRoom({
      stream: () => this.stream,
      gone: () => this.gone,
      discarding: () => this.discarding,
      start: (frame) => this.start(frame),
      waits: () => logSafely(() => this.logger.debug({ inFlight: this.room.inFlight }, 'the endpoint\'s maxInFlight is reached: reading paused')),
      goOn: this.goOn,
      wakeThrew: this.wakeThrew,
    }, core.jobs, core.options.maxInFlightPerConnection);
    this.dropped = new DroppedFrames(core.metrics);
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.#hasClosed = true;
      resolve();
    }));
    // Silent (no complete message yet): nothing owed, no read-out to wait for (it would hold an fd past maxConnections).
    slot.abort = (code) => this.fail(code, endText(code), undefined, true);
    socket.setNoDelay(true);
    this.stream = new MessageStream(
      socket,
      { framing: core.framing, readTimeout: core.options.readTimeout },
      {
        frame: (frame) => this.onFrame(frame),
        want: () => this.room.left(),
        broken: (err) => this.broken(err),
        ended: (left) => this.onEnd(left),
        full: () => {
          if (!this.needDrain) logSafely(() => this.logger.debug({ inFlight: this.room.inFlight }, 'the client is not reading its replies: reading paused'));
          this.needDrain = true;
          this.discarding = false;
          this.stream.pause();
        },
        drained: () => {
          this.needDrain = false;
          this.maybeResume();
          this.readOnWhileDraining();
        },
        closed: (err) => {
          if (err !== undefined) this.onError(err);
          this.onClose();
        },
        kept: (token) => this.replyNotes.taken(token, socket.writableLength > 0),
        letGo: (token, lost) => {
          const reply = this.replyNotes.release(token, lost);
          if (reply !== undefined) lostInReset(core, this, reply);
        },
      },
    );
    if (core.options.idleTimeout > 0) {
      socket.setTimeout(core.options.idleTimeout);
      socket.on('timeout', () => this.onIdle());
    }
  }

  /** The parent of this connection's sequence loggers: the endpoint's, with the connection's bindings. */
  get sequenceLogger(): Logger {
    // A child that cannot be made (a custom logger): the endpoint's, so that a sequence's first log call never throws.
    this.#sequenceLogger ??= childSafely(this.core.sequenceLogger, {
      connection: this.id, ...this.#peer,
    });
    return this.#sequenceLogger;
  }

  /**
   * Writes one framed reply. Replies made in the same tick are joined and written at once (one system call for
   * many replies under load). False when the client has gone.
   */
  send(frame: Buffer, dropped?: () => void, token?: number): boolean {
    if (this.gone || !this.stream.writable) return false;
    this.stream.write(frame, dropped, token);
    // One request per connection (closeAfterReply): no more frames; the socket ends once nothing is in flight. Once the
    // frames of the read being handled have been taken (a microtask: after the read's loop), so that a sequence that
    // answers at once is answered for each of them as one that answers later is, none thrown away unanswered.
    if (this.core.options.closeAfterReply && !this.drainQueued) {
      this.drainQueued = true;
      queueMicrotask(() => void this.drain());
    }
    return true;
  }

  /**
   * Stops taking frames; the socket ends once the messages in flight are answered. Reading goes on once the frames read
   * before are started (see {@link InboundConnection.readOnWhileDraining}): a frame sent after the close began is read,
   * dropped and counted now, not thrown away uncounted when the close deadline cuts the drain.
   */
  drain(): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.stream.flush();
      this.stream.pause();
      this.maybeFinish();
      this.readOnWhileDraining();
    }
    return this.closed;
  }

  /**
   * Draining: reads again (each frame dropped and counted by `onFrame`) once nothing read before the close waits to
   * start (`waiting`, the frames the stream holds: those still start). Not for a client that does not read its replies
   * (`needDrain`: its socket stays paused), nor once gone, the client's end read, or closing itself (see maybeFinish).
   */
  private readOnWhileDraining(): void {
    if (!this.draining || this.gone || this.peerEnded || this.needDrain || this.discarding || this.ownClose.begun) return;
    if (this.room.pending) return;
    this.discarding = true;
    this.stream.resume();
  }

  /** True from the socket's `close` event on (`closed` settles a microtask later). */
  get hasClosed(): boolean {
    return this.#hasClosed;
  }

  /** Why the endpoint closed this connection (a timeout, eviction, broken framing, a socket error); else undefined. */
  get endCode(): InboundErrorCode | undefined {
    return this.#endCode;
  }

  /**
   * Closes the connection now (`destroy()`, or the close deadline has passed): the frames waiting are dropped (counted,
   * said at the close) and none starts after this call (a paused socket is read out before it closes: its waiting
   * frames would otherwise go on starting, each a sequence run for a client that gets no reply). With `cut` (the
   * endpoint's destroy, a close past its deadline, a silent connection evicted or timed out): no wait for the client's
   * end, the read-out ends once the polls bring nothing (MessageStream.cut: no 500 ms quiet wait).
   */
  destroy(cut = false): void {
    this.gone = true;
    this.dropWaiting();
    if (cut) this.stream.cut();
    else this.stream.destroy();
  }

  /** Drops the frames read and not started (waiting, or held by the stream): counted, said at the close. */
  private dropWaiting(): void {
    this.dropped.neverStarted(this.room.dropWaiting());
  }

  private onFrame(frame: Frame): void {
    if (this.gone || this.draining) {
      // Read after the connection began closing (its end is on its way), or closed: not taken, no reply; counted for
      // the close.
      this.dropped.readAfterClose();
      return;
    }
    this.slot.spoke();
    if (this.room.left() > 0) {
      this.start(frame);
      // No more room: the rest of the read stays held in the stream (startWaiting takes it when there is room again).
      if (this.room.left() <= 0 && !this.gone) this.stream.pause();
    } else {
      this.room.waiting.push(frame);
      this.stream.pause();
    }
  }

  /** A new turn, or room again under `maxInFlight`: the frames that waited (up to the limits), then reading again. */
  private readonly goOn = (): void => {
    this.room.startWaiting();
    this.maybeFinish();
    this.maybeResume();
    this.readOnWhileDraining();
  };

  /**
   * Going on after a wait for a place under `maxInFlight` threw (a bug, counted by in-flight-jobs.ts): said (capped,
   * the thrown value's code only), and the connection, whose reading would stay paused for good, is destroyed.
   */
  private readonly wakeThrew = (thrown: unknown): void => {
    this.#endCode ??= 'ISO8583_ERR_INBOUND_INTERNAL';
    closedLine(this.core.closeLines, this.logger, 'ISO8583_ERR_INBOUND_INTERNAL', 'going on after waiting for a maxInFlight place failed: connection closed', thrown);
    this.destroy();
  };

  formatError(): boolean {
    const max = this.core.options.maxFormatErrors;
    if (this.gone || this.ownClose.begun) return true;
    if (max === 0 || ++this.formatErrors < max) return false;
    // The frames read behind them are not started (counted dropped): nothing more is spent on a flood.
    this.dropWaiting();
    this.closeItself('ISO8583_ERR_INBOUND_FORMAT_ERRORS', `${max} frames in a row that do not decode`);
    return true;
  }

  wellFormed(): void {
    this.formatErrors = 0;
  }

  /** Broken framing, or a frame not completed within the read timeout: the connection closes itself. */
  private broken(err: Iso8583Error): void {
    const { code, what, cause } = framingEnd(err);
    this.closeItself(code, what, cause);
  }

  /**
   * The endpoint closes this connection itself, its client still there (own-close.ts): counted and logged once, reading
   * stops, the requests read before (in flight, waiting) are answered and their replies written, then it ends (as a
   * drain), within {@link ownCloseBound}. Never at once: the approvals owed would be reversed, the client connected.
   */
  private closeItself(code: InboundErrorCode, what: string, cause?: unknown): void {
    if (this.gone || this.ownClose.begun) return;
    this.#endCode ??= code;
    this.core.metrics.error(code);
    const owed = this.room.owed;
    const then = this.draining ? ' while closing' : '';
    closedLine(this.core.closeLines, this.logger, code, owed || this.draining ? `${what}${then}: the replies in flight are written, then the connection ends` : `${what}: connection closed`, cause);
    this.ownClose.begin(ownCloseBound(this.core.options.sequenceTimeout), () => this.destroy());
    this.discarding = false;
    this.stream.pause();
    void this.drain();
  }

  private start(frame: Frame): void {
    this.room.started();
    let done = true;
    try {
      done = handleFrame(this.core, frame, this);
    } catch (err) {
      this.unexpected(err);
    }
    if (done) this.done();
  }

  /** A message whose sequence was awaited is done (see `Peer.handled`). */
  handled(err?: unknown): void {
    if (err !== undefined) this.unexpected(err);
    this.done();
  }

  /** handleFrame answers every failure itself; this is the last guard that keeps the listener up. */
  private unexpected(err: unknown): void {
    this.core.metrics.error('ISO8583_ERR_INBOUND_INTERNAL');
    logSafely(() => this.logger.error({ code: 'ISO8583_ERR_INBOUND_INTERNAL', cause: codeOf(err) }, 'unexpected failure while handling a message'));
  }

  private done(): void {
    this.room.ended();
    this.room.startWaiting();
    this.maybeFinish();
    this.maybeResume();
    this.readOnWhileDraining();
  }

  private maybeResume(): void {
    if (this.draining || this.peerEnded || this.gone || this.needDrain) return;
    if (!this.room.open) return;
    if (this.core.jobs.room <= 0) return this.room.waitForRoom();
    if (this.stream.paused) this.stream.resume();
  }

  private maybeFinish(): void {
    if (!(this.draining || this.peerEnded) || this.room.owed) return;
    if (this.stream.writable) {
      this.stream.end();
      // Closing itself, nothing owed: the client's end is read (a broken stream: the socket), frames dropped (onFrame).
      if (this.ownClose.begun) {
        this.discarding = true;
        this.stream.resume();
        this.socket.resume();
      }
      // Draining: its callers read on then (readOnWhileDraining, frames dropped), so that the client's end in answer to
      // ours is seen and the connection closes now, not at the deadline; not for a client that does not read its replies
      // (`needDrain`). An abort reads out what was sent before the close (MessageStream's destroy): no reset.
    } else if (this.peerEnded) this.stream.destroy();
  }

  private onEnd(left: number): void {
    if (left > 0) partialFrameLine(this.core.closeLines, this.logger, left, this.stream.partialFrameSize);
    if (!this.core.options.allowHalfOpen) return this.clientClosed();
    logSafely(() => this.logger.debug({ inFlight: this.room.inFlight }, 'the client half-closed: the messages in flight are answered, then the connection ends'));
    this.peerEnded = true;
    this.maybeFinish();
  }

  /**
   * The client's FIN with `allowHalfOpen: false`: the connection closes at once, as if reset; the results of the
   * messages in flight are not written (each is reported to `onLateResult` as `client-gone` by the pipeline).
   */
  private clientClosed(): void {
    logSafely(() => this.logger.debug({ inFlight: this.room.inFlight }, 'the client closed its side: connection closed, the replies in flight are not sent'));
    this.destroy();
  }

  private onIdle(): void {
    if (this.room.owed) {
      this.socket.setTimeout(this.core.options.idleTimeout);
      return;
    }
    if (this.ownClose.begun) return this.destroy(); // closing itself, nothing owed: waiting for the client's end
    this.fail('ISO8583_ERR_INBOUND_IDLE_TIMEOUT', 'idle timeout: connection closed');
  }

  private onError(err: Error): void {
    // A reset or a write to a client that has gone: counted once, the socket closes by itself.
    if (this.gone) return;
    this.gone = true;
    this.#endCode ??= 'ISO8583_ERR_INBOUND_SOCKET';
    this.core.metrics.error('ISO8583_ERR_INBOUND_SOCKET');
    socketFailedLine(this.core.closeLines, this.logger, err);
  }

  private fail(code: InboundErrorCode, text: string, err?: unknown, cut = false): void {
    this.#endCode ??= code;
    this.core.metrics.error(code);
    closedLine(this.core.closeLines, this.logger, code, text, err);
    this.destroy(cut);
  }

  private onClose(): void {
    this.gone = true;
    this.ownClose.clear();
    this.core.jobs.forget(this.goOn);
    this.dropWaiting();
    // What a destroy read out of the socket before closing it (left there while paused: never started).
    this.dropped.readAfterClose(this.stream.readOutFrames);
    this.dropped.say(this.core.closeLines, this.logger);
    this.replyNotes.close();
  }
}

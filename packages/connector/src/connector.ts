/**
 * The connector: what an integration flow uses to send ISO 8583 messages (XML, JSON text or objects) to a bank or
 * switch and get the response back. This file is its public face and the acceptance of one request (refuse or accept,
 * auto-fill, queue per terminal, pick the request's path). The other ideas live beside it: its parts, made and wired
 * once, with what a connection's end and a problem no request owns do (connector-parts.ts), its options (options.ts, validate-options.ts), a request's one outcome,
 * counted and recorded (request-outcome.ts), its path to a channel and back (request-sender.ts: `sendNow`, the ready
 * path, and `dispatch`, the one that waits), the connections (channel.ts, channel-factory.ts, and a pool policy:
 * multiplex-pool.ts or exclusive-pool.ts), network management (network-management.ts), what the host sends unasked
 * (unsolicited.ts), counting (accounting.ts), reversals (reversal.ts, journal.ts), the transaction log
 * (transaction-record.ts), the lifecycle (lifecycle.ts) and its one start and stop (connector-run.ts).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { readMessage, writeMessage } from '@iso8583/codec';
import type { Codec, FramingOptions, IsoMessage, MessageInput, MessageRead } from '@iso8583/codec';
import { mtiOf, type Accounting, type ConnectorStats } from './accounting.js';
import { STAN_START, StanCounter, autoFilled, fillsStan } from './auto-fill.js';
import type { ChannelResponse } from './channel-request.js';
import type { ChannelFactory } from './channel-factory.js';
import type { ChannelPool } from './channel-pool.js';
import { connectorParts } from './connector-parts.js';
import { ConnectorRun } from './connector-run.js';
import { connectorError } from './errors.js';
import { inputError, isMessageObject } from './message-input.js';
import type { ConnectorEvents } from './events.js';
import { Lifecycle } from './lifecycle.js';
import type { MatchKey } from './match-key.js';
import type { ConnectorOptions, ResolvedConnectorOptions } from './options.js';
import { validateConnectorOptions } from './validate-options.js';
import type { ReversalManager } from './reversal.js';
import type { JournalHalt, ReversalJournal } from './saf-store.js';
import { keysAtOtherBank } from './store.js';
import { relaysBytes } from '@iso8583/codec';
import type { EncodedRequest, EncodedResponse } from './relay.js';
import type { RequestOutcomes } from './request-outcome.js';
import type { RequestSender } from './request-sender.js';
import { untilAborted } from './request-abort.js';
import { markSent } from './request-sent.js';
import { safMessage } from './saf-message.js';
import { CONNECT_BY, SENT_AS, receiptText, sendOptionsProblem, tellAnswered, type SafReceipt, type SafSendOptions, type SendOptions } from './send-options.js';
export type { SafReceipt, SafSendOptions, SendOptions } from './send-options.js';
import { IN_TERMINAL_LANE, type TerminalQueue } from './terminal-queue.js';
import { RECORD_TO, type TransactionRecorder } from './transaction-record.js';
export type { ConnectorAmounts, ConnectorStats } from './accounting.js';

/** The options of a request given none (read only, never changed: no object made a request). */
const NO_OPTIONS: SendOptions = Object.freeze({});

/**
 * An ISO 8583 connector, with typed events ({@link ConnectorEvents}: `connect`, `disconnect`, `unsolicited`,
 * `late-response`, `reversal`, `saf`, `close`, `error`), each emitted only when listened to, so an unhandled `error` never
 * crashes the process; request failures reject their own promise instead.
 */
export class Connector extends EventEmitter<ConnectorEvents> {
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
  /** The prom-client Registry holding the connector's metrics (its own, unless one was given, made when first read). */
  get registry(): Registry {
    return this.accounting.registry;
  }
  /** What records every request in the transaction log (`.log`; `undefined`: no log is kept). */
  readonly transactions: TransactionRecorder | undefined;
  private readonly accounting: Accounting;
  private readonly factory: ChannelFactory;
  private readonly pool: ChannelPool;
  /** Fills field 11 (`autoFill.stan`), passing over the STANs this connector still holds for the terminal. */
  private readonly stan: StanCounter;
  /** @internal The per-terminal queue (`terminalQueue` on); an upstream group queues through its first upstream's. */
  readonly terminalQueue: TerminalQueue | undefined;
  private readonly reversals: ReversalManager | undefined;
  private readonly lifecycle = new Lifecycle();
  /** @internal Each request's one outcome (request-outcome.ts): a group's refusals for this upstream are counted here. */
  readonly outcomes: RequestOutcomes;
  private readonly sender: RequestSender;
  private readonly run: ConnectorRun;

  constructor(options: ConnectorOptions) {
    super();
    this.options = validateConnectorOptions(options);
    this.name = this.options.name;
    this.stan = new StanCounter((options as { [STAN_START]?: number })[STAN_START]);
    const parts = connectorParts(this, this.options, this.stan, this.lifecycle);
    ({ codec: this.codec, matchKey: this.matchKey, framing: this.framing, logger: this.logger } = parts);
    ({ factory: this.factory, pool: this.pool, accounting: this.accounting, terminalQueue: this.terminalQueue } = parts);
    ({ transactions: this.transactions, reversals: this.reversals, outcomes: this.outcomes, sender: this.sender } = parts);
    // A filled STAN is never one whose transaction is held here (armed, or its reversal under way, read back from the
    // journal too): the request would be refused as that transaction's duplicate (`DUPLICATE_KEY`).
    const reversals = this.reversals;
    if (reversals !== undefined) this.stan.held = (message) => reversals.reversing(message);
    this.run = new ConnectorRun(this.options, this.lifecycle, parts, () => {
      if (this.listenerCount('close') > 0) this.emit('close');
    });
  }

  /**
   * Opens the connections (`pool.min`, at least one in `multiplex` mode) and, with reversal on, opens the journal and
   * starts the reversals an earlier run left unfinished. Resolves when the first connection is up; rejects with the
   * connect error if it cannot be made (the connector keeps retrying with backoff).
   */
  connect(): Promise<void> {
    if (this.lifecycle.stopping) {
      return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed'));
    }
    return this.run.begin().then(() => this.pool.ready());
  }

  /**
   * Starts without waiting for a connection: with reversal on, resolves once the journal is open (locked, read,
   * compacted) and the reversals an earlier run left are started; rejects with its `ISO8583_ERR_CONNECTOR_JOURNAL` or
   * `ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED` error, which no retry cures (every request would fail with it).
   */
  started(): Promise<void> {
    if (this.lifecycle.stopping) {
      return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closed'));
    }
    return this.run.begin();
  }

  /**
   * Sends one message and returns the response in the same form: XML in -> XML out, JSON text in -> JSON text out
   * (with `saf: true`, the {@link SafReceipt} as JSON text or `<saf id="..."/>`).
   */
  sendMessage(input: string, options?: SendOptions): Promise<string>;
  /** Stores an advice object and forwards it in the background (`saf: true`): resolves once it is journaled. */
  sendMessage(input: MessageInput, options: SafSendOptions): Promise<SafReceipt>;
  /** Sends a message object and returns the response object. */
  sendMessage(input: MessageInput, options?: SendOptions): Promise<IsoMessage>;
  sendMessage(input: string | MessageInput, options: SendOptions = NO_OPTIONS): Promise<string | IsoMessage | SafReceipt> {
    let read: MessageRead;
    try {
      // An object needs no reading (`request`: `pack` checks every field and names every offending one).
      if (typeof input !== 'string') return this.request(input, options);
      const bad = sendOptionsProblem(options);
      if (bad !== undefined) return Promise.reject(bad);
      // A jPOS dump's values by jPOS's rule for `type`, for this dialect (text on a binary field is its bytes).
      read = readMessage(input, { dialect: this.codec.dialect });
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (options.saf === true) return this.store(read.message).then((receipt) => receiptText(receipt, read.form));
    const header = options.header ?? read.header;
    return this.exchange(read.message, options, header).then((response) =>
      writeMessage(response.message, read.form, response.header.length > 0 ? response.header : undefined),
    );
  }

  /** Stores an advice and forwards it in the background (`saf: true`): resolves with the receipt once journaled. */
  request(message: MessageInput, options: SafSendOptions): Promise<SafReceipt>;
  /** Sends a message object and resolves with the response object (the fast path of `sendMessage`). */
  request(message: MessageInput, options?: SendOptions): Promise<IsoMessage>;
  request(message: MessageInput, options: SendOptions = NO_OPTIONS): Promise<IsoMessage | SafReceipt> {
    if (!isMessageObject(message)) return Promise.reject(inputError());
    const bad = sendOptionsProblem(options);
    if (bad !== undefined) return Promise.reject(bad);
    if (options.saf === true) return this.store(message);
    return this.exchange(message, options, options.header).then((response) => response.message);
  }

  /**
   * @internal `request` (no `saf`) for an upstream group, which has checked the message: resolves with the channel's
   * response, whose message the group hands its caller in its own step (one promise less a request).
   */
  exchangeResponse(message: MessageInput, options: SendOptions = NO_OPTIONS): Promise<EncodedResponse> {
    return this.exchange(message, options, options.header);
  }

  /** `request` for a message already in its wire image, which goes out as it came where it can (see relay.ts). */
  relay(request: EncodedRequest, options: SendOptions = NO_OPTIONS): Promise<EncodedResponse> {
    if (request === null || typeof request !== 'object' || !isMessageObject(request.message)) return Promise.reject(inputError());
    const bad = sendOptionsProblem(options);
    if (bad !== undefined) return Promise.reject(bad);
    const body = relaysBytes(request.dialect, this.codec.dialect) ? request.body : undefined;
    // The channel's response is an EncodedResponse as it is (message, body, header, dialect): no copy, no other promise.
    return this.exchange(request.message, options, options.header, body);
  }

  /**
   * Stores an advice or reversal in the SAF queue ({@link SendOptions.saf}; checked by `safMessage`, auto-filled),
   * resolving with its receipt once journaled and synced; the queue delivers it in the background. Accepted while the
   * connector is closing, until its SAF queue stops (after the last accepted request settled, and the turn of the
   * event loop its answer came in): what is stored then stays in the journal, and the next start sends it.
   */
  store(input: MessageInput): Promise<SafReceipt> {
    if (this.lifecycle.safClosed || (this.lifecycle.stopping && this.run.starting === undefined)) {
      return Promise.reject(markSent(connectorError('ISO8583_ERR_CONNECTOR_CLOSED', 'the connector is closing', { mti: mtiOf(input) }), false));
    }
    let stored: IsoMessage;
    try {
      stored = safMessage(input, this.codec, this.reversals !== undefined, () => autoFilled(input, this.options.autoFill, this.stan));
    } catch (err) {
      // Refused before anything is stored or written: the host never has it (`sent` 'no', as every refusal says).
      return Promise.reject(markSent(err, false));
    }
    return this.lifecycle.storing(this.storeNow(stored));
  }

  private async storeNow(stored: IsoMessage): Promise<SafReceipt> {
    await this.run.begin();
    return { saf: true, id: (await (this.reversals as ReversalManager).store(stored)).id };
  }

  /**
   * Sends at once the SAF entries waiting for their next attempt (their `saf.initialDelay` or `saf.retryInterval`),
   * what a graceful stop calls while the link is up; with `id` (of a `queued` event), only that entry. An entry with an
   * attempt in flight is left to it; one that fails now waits `saf.retryInterval` again. Returns how many were sent
   * early in this turn (0 with reversal and SAF off, or for an `id` the queue does not hold): a backlog is looked at
   * 500 entries a turn of the event loop (saf-flush.ts), the rest follow.
   */
  flushSaf(id?: string): number {
    return this.reversals?.flush(id) ?? 0;
  }

  /** @internal The SAF journal (reversals), when reversal is on: an upstream group reads a shared store's records of it. */
  get journal(): ReversalJournal | undefined {
    return this.reversals?.journal;
  }

  /**
   * @internal True while the transaction `message` names is held here: a reversible request of it accepted and not
   * settled (reversal on or off; once in a group), by the one in-flight rule (transactions-in-flight.ts: fields 11 and
   * 41, and 32 and 2 agreeing when both sides have them), or its reversal under way (by the same rule). An armed reversal
   * entry (its original in flight) is not asked: its original is held by that rule, so an unrelated transaction that
   * shares only a STAN and terminal id is not drawn here to be refused. An upstream group sends a reversible request of
   * a held transaction here, never to another upstream's bank, which could approve it.
   */
  holdsTransaction(message: MessageInput): boolean {
    return this.outcomes.holds(message) || this.reversals?.holdsUnderway(message) === true;
  }

  /**
   * When the next thing may happen to a SAF entry not yet ended (ms since the epoch): the earliest next attempt (or
   * expiry) of the entries waiting, now while an attempt is under way or an end is being written to its store, the
   * next try of an end its store did not record (`retryInterval` after it); Infinity when nothing more can happen to
   * those pending; `undefined` with none pending. A graceful stop reads it on each `saf` event `waiting` to end once nothing can move before its deadline.
   */
  safNextDue(): number | undefined {
    return this.reversals?.nextDue();
  }

  /**
   * Why the SAF journal stopped for good while open (its file removed or replaced, a write it could not repair), or,
   * once closed, why its files were lost while idle (`ReversalJournal.halted`): `recordsLost` true when a later start
   * does not read its records (the entries `safNotDurable` counts are then known to this process only). `undefined`
   * while it runs, for a journal that cannot say (PostgreSQL), and without a SAF queue. Read it after `close()` to
   * tell a stop that lost its journal from a clean one.
   */
  journalHalted(): JournalHalt | undefined {
    return this.reversals?.halted();
  }

  /**
   * Stops taking requests, lets every accepted request finish (answered or timed out), signs off (with `signOff`)
   * and closes the connections. Unanswered reversals, and SAF entries stored while closing, stay in the journal for the
   * next start. Safe to call twice.
   */
  close(): Promise<void> {
    return this.run.close();
  }

  /**
   * Aborts: every pending request fails with `err` (or `ISO8583_ERR_CONNECTOR_CLOSED`) and the sockets are destroyed,
   * a connection still connecting too (never signed on, never used).
   * A PostgreSQL store (its SAF journal, its terminal locks) is not waited for beyond a short grace (`PG_DESTROY_GRACE`,
   * 200 ms): its statements still in flight are cut and its connections closed; what the SAF queue holds stays in the
   * store for the next start.
   */
  destroy(err?: Error): Promise<void> {
    return this.run.destroy(err);
  }

  /** A snapshot of the connector's state and counters. */
  stats(): ConnectorStats {
    return {
      connected: this.factory.signedOn,
      free: this.factory.free,
      pending: this.pool.waiting + (this.terminalQueue?.waiting ?? 0),
      inFlight: this.factory.inFlight,
      ...this.accounting.snapshot(),
      reversalsPending: this.reversals?.pending ?? 0,
      ...(this.reversals?.figures() ?? { safDepth: 0, safDelivered: 0, safExpired: 0, safAbandoned: 0, safNotDurable: 0, safNotStored: 0, safUnrecorded: 0, safOvertakenDropped: 0 }),
      safOtherBank: keysAtOtherBank(this.journal),
    };
  }

  // ---- accepting one request ----

  /**
   * A request's checks (closing, in-flight limit, its options), then its acceptance ({@link Connector.accept}). With a
   * journal not read yet (before the start has read it) and field 11 to fill (`autoFill.stan`), it is accepted once
   * the start has read it (or failed), checked again then: a STAN filled before could be one a reversal read back from
   * the journal still holds, and the request be refused as that transaction's duplicate (`DUPLICATE_KEY`). While it
   * waits it counts toward `maxInFlight`, and its `signal` ends the wait at once (refused `ABORTED`, never sent).
   */
  private exchange(input: MessageInput, options: SendOptions, header: Uint8Array | undefined, body?: Buffer): Promise<ChannelResponse> {
    const { timeout, deadline, [RECORD_TO]: recordTo, signal } = options;
    const timed = this.transactions !== undefined;
    const at = timed ? Date.now() : 0;
    const t0 = timed ? performance.now() : 0;
    const refused = this.outcomes.refused(input, timeout, at, t0, recordTo, signal, deadline);
    if (refused !== undefined) return Promise.reject(refused);
    if (this.reversals !== undefined && !this.run.ready && fillsStan(input, this.options.autoFill)) {
      const waited = this.outcomes.waiting();
      const accept = (): Promise<ChannelResponse> => {
        waited();
        const late = this.outcomes.refused(input, timeout, at, t0, recordTo, signal, deadline);
        return late === undefined ? this.accept(input, options, header, body, at, t0) : Promise.reject(late);
      };
      return untilAborted(this.run.begin(), signal).then(accept);
    }
    return this.accept(input, options, header, body, at, t0);
  }

  /**
   * Accepts a request checked (`exchange`; `at` and `t0` its arrival, for the transaction log): auto-fill, terminal
   * queue, and settles it once (request-outcome.ts). `body`: its wire image, if known. A channel free now, no journal,
   * no original to wait for and no queue (asked before the pool: `RequestSender.goesNow`): out in this turn
   * (`sendNow`); else `dispatch` waits for each step (request-sender.ts), all by the `deadline`; `answeredBy` is told
   * before the caller.
   */
  private accept(input: MessageInput, options: SendOptions, header: Uint8Array | undefined, body: Buffer | undefined, at: number, t0: number): Promise<ChannelResponse> {
    const { timeout, deadline, [RECORD_TO]: recordTo, answeredBy, signal, [CONNECT_BY]: connectBy } = options;
    if (this.lifecycle.state === 'new') this.run.begin().catch(() => undefined);
    const message = autoFilled(input, this.options.autoFill, this.stan);
    options[SENT_AS]?.(message);
    const packed = message === input ? body : undefined; // filled in: the bytes no longer hold the message
    const mti = mtiOf(message);
    const told = answeredBy === undefined ? undefined : (answer: IsoMessage): void => tellAnswered(answeredBy, this, answer, message);
    const settled = this.outcomes.accepted(message, mti, at, t0, recordTo, told, signal);
    const wait = timeout ?? this.options.requestTimeout;
    const terminal = message['41'];
    const queued = this.terminalQueue !== undefined && terminal != null && options[IN_TERMINAL_LANE] !== true;
    // The pool was asked in this turn and had none: `dispatch`, in this same turn, waits at once (one `take`).
    let tried = false;
    // A deadline passed already goes to `dispatch`, which refuses it before it takes a connection.
    const run = this.run;
    if (run.ready && !queued && this.sender.goesNow(message, mti) && (deadline === undefined || deadline > performance.now())) {
      const channel = this.pool.take();
      if (channel !== undefined) return this.sender.sendNow(channel, message, mti, wait, header, packed, settled, deadline);
      tried = true;
    }
    const go = (): Promise<ChannelResponse> =>
      run.ready
        ? this.sender.dispatch(message, wait, header, true, packed, tried, deadline, false, settled, connectBy)
        : run.begin().then(() => this.sender.dispatch(message, wait, header, true, packed, false, deadline, false, settled, connectBy));
    const outcome = queued ? (this.terminalQueue as TerminalQueue).run(terminal, go, deadline ?? connectBy, mti, signal, timeout) : go();
    return outcome.then(settled.answered, (err: unknown) => {
      throw settled.failed(err);
    });
  }
}

/** Creates a connector. Options are validated (a coded error naming every bad option) before any socket opens. */
export function createConnector(options: ConnectorOptions): Connector {
  return new Connector(options);
}

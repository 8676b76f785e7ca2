/**
 * What a connector is made of, and how the parts are wired to each other, once, when it is made: the codec of its
 * dialect, the match key and framing, the connections (a channel factory and a pool policy: multiplex-pool.ts or
 * exclusive-pool.ts), network management and what the host sends unasked, the counting, the store (journal, terminal
 * lock), the per-terminal queue, the transaction log, the SAF queue, and the path of a request (request-outcome.ts,
 * request-sender.ts). The connector (connector.ts) holds them and adds the acceptance of a request and its lifecycle.
 */
import type { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import { checkFraming, createCodec, resolveDialect } from '@iso8583/codec';
import type { Codec, FramingOptions, IsoMessage } from '@iso8583/codec';
import { Accounting, droppedUnansweredLine } from './accounting.js';
import { optionsError } from './errors.js';
import { autoFilled, type StanCounter } from './auto-fill.js';
import type { Channel } from './channel.js';
import type { ChannelHost } from './channel-request.js';
import type { SentAmount } from './late-keys.js';
import { ChannelFactory } from './channel-factory.js';
import type { ChannelPool } from './channel-pool.js';
import { tellSafListeners, type ConnectorEvents } from './events.js';
import { ExclusivePool } from './exclusive-pool.js';
import type { Lifecycle } from './lifecycle.js';
import { MatchKey, wireField, withRequestTransaction } from './match-key.js';
import { MultiplexPool } from './multiplex-pool.js';
import { NetworkManagement } from './network-management.js';
import type { ResolvedConnectorOptions } from './options.js';
import type { ReversalManager } from './reversal.js';
import { approvesReversible } from './reversal-overtaken.js';
import { createSafQueue } from './reversal-setup.js';
import { refuseUnsent } from './reversal-unsent.js';
import { warnShortSafLease } from './saf-options.js';
import { RequestOutcomes } from './request-outcome.js';
import { TransactionsInFlight } from './transactions-in-flight.js';
import { RequestSender } from './request-sender.js';
import { TerminalQueue, type TerminalLock } from './terminal-queue.js';
import { connectorStore, keysAtOtherBank, reportedStranded } from './store.js';
import { Unsolicited } from './unsolicited.js';
import { TransactionRecorder } from './transaction-record.js';

const silent = pino({ level: 'silent' });

/** The parts of one connector (see the file's note). */
export interface ConnectorParts {
  codec: Codec;
  matchKey: MatchKey;
  framing: FramingOptions;
  /** The logger (a child with `connector`). */
  logger: Logger;
  factory: ChannelFactory;
  pool: ChannelPool;
  accounting: Accounting;
  terminalLock: TerminalLock | undefined;
  terminalQueue: TerminalQueue | undefined;
  transactions: TransactionRecorder | undefined;
  reversals: ReversalManager | undefined;
  /**
   * With reversal and SAF off: refuses the start when a journal folder still configured, or a PostgreSQL store under
   * the connector's keys, holds what an earlier run left unsent (reversal-unsent.ts `refuseUnsent`); resolves at once
   * otherwise.
   */
  unsentCheck: () => Promise<void>;
  outcomes: RequestOutcomes;
  sender: RequestSender;
}

/**
 * The framing options together, checked at creation as the codec's framing will take them (each option passed the
 * schema alone): a `maxFrameSize` that leaves no room for a message after `headerBytes` is an options error here, not
 * a throw in the socket's connect handler of the first connection.
 */
function framingChecked(framing: FramingOptions): void {
  try {
    checkFraming(framing);
  } catch (err) {
    const field = (err as { field?: unknown }).field;
    throw optionsError([{
      field: typeof field === 'string' ? field : 'maxFrameSize',
      code: 'ISO8583_ERR_CONNECTOR_OPTIONS',
      reason: `must be more than headerBytes, ${framing.headerBytes ?? 0}: no room is left for a message after the fixed header bytes`,
    }]);
  }
}

/**
 * Makes and wires the parts of a connector of the options `o`: `emitter` is the connector (its events are emitted only
 * when listened to: `connect`, `disconnect`, `error` from here), `stan` its STAN counter and `lifecycle` its state,
 * which the parts share with it.
 */
export function connectorParts(emitter: EventEmitter<ConnectorEvents>, o: ResolvedConnectorOptions, stan: StanCounter, lifecycle: Lifecycle): ConnectorParts {
  const codec = createCodec(resolveDialect(o.dialect));
  const matchKey = new MatchKey(o.matchKey, codec.dialect);
  const framing: FramingOptions = {
    lengthHeader: o.frame,
    lengthIncludesHeader: o.lengthIncludesHeader,
    headerBytes: o.headerBytes,
    lengthExcludesHeaderBytes: o.lengthExcludesHeaderBytes,
    maxFrameSize: o.maxFrameSize,
    ...(o.frame === 'none' ? { measure: (bytes: Buffer) => codec.measure(bytes) } : {}),
  };
  framingChecked(framing);
  const frameHeader = o.headerBytes > 0 ? o.header : undefined;
  const logger = (o.logger ?? silent).child({ connector: o.name });
  // A problem no request owns: emitted as `error` when listened to (an unhandled `error` would crash the process).
  const error = (err: Iso8583Error): void => {
    if (emitter.listenerCount('error') > 0) emitter.emit('error', err);
  };
  // A channel's connection ended (`factory`, `pool` and `accounting` are made below; a channel closes only later).
  const closed = (channel: Channel, err: Iso8583Error | undefined): void => {
    const retryIn = factory.closed(channel);
    const code = err?.code;
    channel.logger.info({ code, retryIn }, 'connection closed');
    if (emitter.listenerCount('disconnect') > 0) emitter.emit('disconnect', { channel: channel.id, code, retryIn });
    pool.closed(channel);
    // A drop, not a close the connector asked for (idle eviction, retired after a failed request): a reconnect.
    if (lifecycle.state === 'open' && !factory.askedFor(channel)) accounting.reconnected();
  };
  // A late response is counted, then offered to the SAF queue (its entry's answer ends it): `accounting` and
  // `reversals` are made below, and read only when a late response comes. The reversals see it with its request's STAN
  // and terminal where it lacks them (a bank echoing no field 41): they go by both. One echoing another field 7 than
  // its timed-out request sent (tied by the late keys' fallback) is checked against the in-time declines as an
  // unsolicited one is: that request's reversal, naming its own field 7, does not undo an earlier attempt's approval.
  const late = (m: IsoMessage, sent?: SentAmount): void => {
    const echoedOther = sent === undefined || (typeof m['7'] === 'string' && sent.echo7 !== undefined && wireField(codec.dialect, m, '7') !== sent.echo7);
    // first: a count that throws never keeps the bank's answer from ending its entry
    reversals?.lateAnswer(sent === undefined ? m : withRequestTransaction(codec.dialect, m, sent), echoedOther);
    accounting.late(m, sent);
  };
  const overtaken = (m: IsoMessage): boolean => reversals?.remembersOvertaken(m) === true;
  // An unsolicited approval of a reversible request: maybe a late one the late keys forgot (unsolicited.ts), or one on
  // another connection than its request's; counted as late when its transaction's request timed out uncounted.
  // The host's copy of an unsolicited approval taken already (`copy`, late-keys.ts `Copy`): a shared store's look-up
  // only (reversal.ts `lateCopy`), counted nowhere.
  const approval = (m: IsoMessage, copy = false): void => {
    if (reversals === undefined || !approvesReversible(codec.dialect, m)) return;
    if (copy) return reversals.lateCopy(m);
    reversals.lateAnswer(m, true); // first, as for a late response; tied to no request (an approval after a decline?)
    accounting.unsolicitedApproval(m);
  };
  const unsolicited = new Unsolicited(emitter, o.name, o.onUnsolicited, codec, framing, frameHeader !== undefined, error, late, overtaken, approval);
  const network = new NetworkManagement(o, codec, matchKey, framing, frameHeader, stan);
  const host: ChannelHost = {
    options: o,
    codec,
    matchKey,
    framing,
    unmatched: (channel, message, header, late, sent, copy) => unsolicited.received(channel, message, header, late, sent, copy),
    isNetworkRequest: (mti) => network.isRequest(mti),
    networkRequest: (channel, message, header) => network.answer(channel, message, header),
    closed,
    echo: (channel) => network.echo(channel),
    problem: (_channel, err) => error(err),
  };
  const factory = new ChannelFactory(host, network, logger, {
    connected: (channel) => {
      if (emitter.listenerCount('connect') > 0) emitter.emit('connect', { channel: channel.id });
      // The SAF entries whose last attempt found no connection go now, not `retryInterval` after it (`reversals` is made
      // below; a connection comes up only once the connector started).
      reversals?.linkUp();
    },
    connectFailed: error,
  });
  // An exclusive pool's connection given back free sends the SAF entries whose attempt found every one lent (`linkUp`).
  const freed = (): void => void reversals?.linkUp();
  const pool: ChannelPool = o.mode === 'multiplex' ? new MultiplexPool(o.pool, factory) : new ExclusivePool(o.pool, factory, freed);
  // `reversals` and `sender` are made below, and read only later: when the figures are asked for, a reversal is sent.
  // The dialect's approvalCodes say which answers are approved (secured amounts, SocketQueue's figures).
  const saf = {
    safDepth: () => reversals?.depth ?? 0,
    safEnded: () => reversals?.ended ?? { delivered: 0, expired: 0, abandoned: 0 },
    safOvertakenDropped: () => reversals?.overtakenDropped ?? 0,
    safStranded: () => reportedStranded(journal),
    safOtherBank: () => keysAtOtherBank(journal),
  };
  const source = { inFlight: () => factory.inFlight, poolSize: () => factory.signedOn, reversalsPending: () => reversals?.pending ?? 0, ...saf };
  const accounting = new Accounting(o.name, source, o.registry, codec.dialect, o.requestTimeout, droppedUnansweredLine(logger));
  const { journal, terminalLock } = connectorStore(o, logger);
  const terminalQueue = o.terminalQueue.enabled ? new TerminalQueue(o.terminalQueue.maxQueued, o.terminalQueue.timeout, terminalLock, codec.dialect.fields['41']) : undefined;
  const transactions = TransactionRecorder.forConnector(o, codec.dialect, logger);
  const reversals = createSafQueue(o, codec.dialect, {
    logger,
    // No journal, no terminal queue; its amount counted once at the entry's end (`safEnded`, `accounting.ended`).
    sendReversal: (message, timeout, written) => sender.safAttempt(message, timeout, written).then((r) => r.message),
    // Its amount counted once, at its end, whichever attempt's answer (in time or late) ended it.
    safEnded: (end) => {
      accounting.ended(end);
      transactions?.safEnded(end);
    },
    reversalEvent: (event) => tellSafListeners(emitter, logger, event),
    answerKeys: matchKey,
    approvalAfterDecline: () => accounting.approvalAfterDecline(),
  }, journal);
  warnShortSafLease(journal, o.reversal.enabled, o.requestTimeout, logger);
  const outcomes = new RequestOutcomes(lifecycle, accounting, transactions, o.maxInFlight, (m, at) => autoFilled(m, o.autoFill, stan, new Date(at)), new TransactionsInFlight(codec.dialect), o.reversal.enabled ? codec.dialect : undefined);
  const sender = new RequestSender({ codec, framing, frameHeader, matchKey, accounting, pool, reversals, reversal: o.reversal.enabled });
  const unsentCheck = (): Promise<void> => (reversals === undefined ? refuseUnsent(journal) : Promise.resolve());
  return { codec, matchKey, framing, logger, factory, pool, accounting, terminalLock, terminalQueue, transactions, reversals, unsentCheck, outcomes, sender };
}

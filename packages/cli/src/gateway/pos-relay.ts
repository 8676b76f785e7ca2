/**
 * The POS side of the gateway: the inbound endpoint's options (listener, limits, POS dialect and framing) with the
 * relay as its sequence, each POS message forwarded over the upstream link as it came, and the link's failures
 * answered by the gateway itself (own-answer.ts) with a response code.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Dialect } from '@iso8583/codec';
import type { Connector, EncodedResponse, UndeliveredApproval, UpstreamGroup } from '@iso8583/connector';
import type { InboundOptions, SequenceResult } from '@iso8583/inbound';
import type { GatewayConfig } from './config.js';
import { POS_IN_FLIGHT_PER_CONNECTION } from './in-flight.js';
import { UpstreamReply, lateApproval } from './late-approval.js';
import type { OwnAnswer } from './own-answer.js';
import type { MessageTracer } from '../trace.js';

/**
 * Milliseconds between the end of a relayed request's overall deadline and the POS sequence timeout: room for the
 * journal's record of the outcome and the reply's way back, so that the terminal gets the link's own answer.
 */
const RELAY_GUARD = 2_000;

/** What the POS endpoint's options are made of, besides the config. */
export interface PosParts {
  /** The POS listener's TLS (`posTlsOptions`, read at the start before anything else): none for plain TCP. */
  tls: InboundOptions['tls'];
  /** The POS dialect, loaded once. */
  dialect: Dialect;
  /** The tracer of POS messages (described and masked by the POS dialect). */
  tracer: MessageTracer;
  /** The first upstream's connector (the endpoint's `upstream`, and who answered when there is no group). */
  connector: Connector;
  /** With several upstreams: the group. */
  group: UpstreamGroup | undefined;
  /** What the relay sends through (the link, traced when traces are on). */
  through: Connector | UpstreamGroup;
  /** The gateway's own answer to a message the link could not answer. */
  answerOwn: OwnAnswer;
  /** Reverses an approval the POS client never got. */
  reverseUndelivered: UndeliveredApproval;
  logger: Logger;
  registry: Registry;
}

/**
 * The POS inbound endpoint's options: the relay as its sequence (its timeout longer than anything the connector can
 * take, see {@link RELAY_GUARD}), an approval that comes after that timeout reversed (`lateApproval`), TLS when the
 * config asks for it.
 */
export function posEndpointOptions(config: GatewayConfig, parts: PosParts): InboundOptions {
  const { tls: posTls, dialect: posDialect, tracer: posTracer, connector, group, through: relayThrough, answerOwn, reverseUndelivered, logger, registry } = parts;
  // Longer than anything the connector can take (queue wait + bank answer), so the connector's own failure, with its
  // response code, is what the terminal gets; the relay's overall deadline (send options) ends RELAY_GUARD ms before
  // it: a request still unwritten then is never written (91), one written gets the time left (then 68 and its
  // reversal). An approval that still comes after the POS timeout (a stalled process) is reversed (`lateApproval`).
  const sequenceTimeout = (config.terminalQueue ? 2 : 1) * config.requestTimeout + 5_000;
  const relayBudget = sequenceTimeout - RELAY_GUARD;
  const posOptions: InboundOptions = {
    name: 'pos',
    host: config.bind,
    port: config.listen,
    dialect: posDialect,
    frame: config.clientFrame ?? config.frame,
    lengthIncludesHeader: config.lengthIncludesHeader,
    headerBytes: config.clientHeaderBytes ?? config.headerBytes,
    lengthExcludesHeaderBytes: config.lengthExcludesHeaderBytes,
    maxConnections: config.maxConnections,
    // What the upstream link's default `--max-in-flight` counts on (in-flight.ts): reading pauses at the limit.
    maxInFlightPerConnection: POS_IN_FLIGHT_PER_CONNECTION,
    ...(config.maxConnectionsPerAddress === undefined ? {} : { maxConnectionsPerAddress: config.maxConnectionsPerAddress }),
    firstMessageTimeout: config.firstMessageTimeout,
    idleTimeout: config.idleTimeout,
    closeAfterReply: config.clientCloseAfterReply,
    sequenceTimeout,
    onLateResult: lateApproval(reverseUndelivered),
    // A POS client's FIN while its request is at the bank is a terminal that gave up (SocketQueue's view too): its
    // connection closes, and an approval it can no longer get is reversed rather than written into the void.
    allowHalfOpen: false,
    connectors: { upstream: connector },
    logger: logger.child({ side: 'pos' }),
    registry,
    // Forward the POS message as it is; the connector matches the answer by MTI + 11 + 41, so clients with clashing
    // STANs on different terminals each get their own. A failure becomes an answer with a response code.
    // The relay: the bytes the endpoint decoded (and so checked) go upstream as they came, and the host's answer,
    // decoded (and checked) by the connector, comes back as it came; where the dialects differ, each side packs.
    // One promise a message: the relay's, with a callback each way (no async function and await around it).
    // A POS client that leaves while its request still waits (its terminal's turn, a connection) has it dropped,
    // never sent (`context.gone`, client-gone: SocketQueue's hasGone); one already at the bank is awaited as before.
    ...posTracer.endpoint('pos', (message, context) => {
      // Said answered only to a client still connected (`context.gone` read at the answer: a stop's cut, a client gone).
      const own = (err: unknown): SequenceResult => answerOwn(message.fields, message.mti, err, posDialect, context.gone?.aborted === true);
      let answer: Promise<EncodedResponse>;
      // Which upstream answered (a group's: told by `answeredBy`), so that an approval the POS never got is reversed there.
      let by = connector;
      const deadline = performance.now() + relayBudget;
      try {
        answer = relayThrough.relay(
          { message: message.fields, body: message.raw, dialect: posDialect },
          group === undefined ? { deadline, signal: context.gone } : { deadline, signal: context.gone, answeredBy: (upstream) => void (by = upstream) },
        );
      } catch (err) {
        return own(err);
      }
      return answer.then((a) => new UpstreamReply(a, by), own);
    }),
  };
  if (posTls !== undefined) posOptions.tls = posTls;
  return posOptions;
}

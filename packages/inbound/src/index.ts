/**
 * `@iso8583/inbound`: a TCP/TLS listener that accepts ISO 8583 from terminals or a switch, hands each message to a
 * sequence (an async function) as XML and as an object, and sends the sequence's reply back on the same connection;
 * plus a host simulator sequence that answers like an issuer.
 */
import './host-simulator/named.js';

export { createInboundEndpoint, DEFAULT_CLOSE_DEADLINE } from './endpoint.js';
export type { InboundEndpoint, InboundEndpointEvents, ConnectionInfo, DisconnectInfo, CloseOptions } from './endpoint.js';
export { validateInboundOptions, inboundOptionsSchema } from './options.js';
export { peerKey, defaultPerAddress } from './peer-key.js';
export type { InboundOptions, ResolvedInboundOptions } from './options.js';
export type { InboundTlsOptions } from './tls-options.js';
export type { InboundStats } from './metrics.js';
export type { LateResultHandler, ResultSource, UndeliveredReason, Sequence, SequenceResult, SequenceContext, InboundMessage } from './sequence.js';
export { isThenable } from './sequence.js';
export { logSafely } from './safe-log.js';
export { closedByEndpoint } from './give-up.js';
export { giveUpHold, holdGiveUp } from './on-error.js';
export type { ReplyObserver, WrittenReply } from './reply-observer.js';
export { rcFixedTextLength } from './reply-write.js';
export { EncodedReply } from './encoded-reply.js';
export { registerSequence, loadSequence, getRegisteredSequence } from './sequence-registry.js';
export { INBOUND_ERROR_CODES } from './errors.js';
export type { InboundErrorCode } from './errors.js';
export { responseMti } from './response.js';
export { LogLimit, LogLimits } from '@iso8583/metrics';
export { createHostSimulator, HOST_RESPONSE_CODES } from './host-simulator/host-simulator.js';
export { MAX_SIMULATOR_BALANCE } from './host-simulator/options.js';
export type { HostSimulator, HostSimulatorOptions } from './host-simulator/host-simulator.js';
export type { SimulatedCard } from './host-simulator/cards.js';
export { iso8583Inbound } from './fastify-plugin.js';
export { tlsMaterialProblem } from './tls-material.js';
export type { TlsMaterialInput, TlsMaterialProblem, TlsPem } from './tls-material.js';

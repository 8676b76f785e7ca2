/**
 * `@iso8583/inbound/endpoint`: the endpoint and what a server built on it uses (the replies it has encoded, the capped
 * log lines), without what index.ts loads besides: the host simulator and its named sequence, the Fastify plugin. The
 * `iso8583 gateway` starts with it (a start loads fewer modules).
 */
export { createInboundEndpoint, DEFAULT_CLOSE_DEADLINE } from './endpoint.js';
export { EncodedReply } from './encoded-reply.js';
export { LogLimit, LogLimits } from '@iso8583/metrics';

import type { Logger } from 'pino';
import type { Codec, FramingOptions } from '@iso8583/codec';
import type { InFlightJobs } from './in-flight-jobs.js';
import type { ReplyNotes } from './reply-notes.js';
import type { InboundMetrics } from './metrics.js';
import type { ResolvedInboundOptions } from './options.js';
import type { Sequence } from './sequence.js';
import type { DeadlineList } from './deadlines.js';
import type { InFlight } from './pipeline.js';
import type { LogLimit, LogLimits } from '@iso8583/metrics';

/** What every connection of an endpoint shares: options, codec, sequences, counters, logger. */
export interface EndpointCore {
  readonly options: ResolvedInboundOptions;
  readonly codec: Codec;
  /**
   * The codec that reads a packed reply back (`asPacked`, reply-write.ts): the endpoint's dialect and `lenient`, made
   * once per endpoint, apart from `codec` so that replies leave the cache of message shapes that `codec` keeps for the
   * requests (the type read last, compiled readers) to the requests.
   */
  readonly readBack: Codec;
  /**
   * The length of the dialect's field 39 when the pack writes a text response code of that length as it is (fixed
   * length, no prefix, not binary); `undefined` otherwise (see `rcFixedTextLength`, reply-write.ts).
   */
  readonly rcFixedTextLength: number | undefined;
  readonly framing: FramingOptions;
  readonly sequence: Sequence;
  readonly onError: Sequence | undefined;
  readonly metrics: InboundMetrics;
  /** The messages in flight, every connection's (in-flight-jobs.ts): `close()` waits for them. */
  readonly jobs: InFlightJobs;
  readonly logger: Logger;
  /** The parent of the sequences' loggers: the endpoint's logger (each context's masks card data: sequence-logger.ts). */
  readonly sequenceLogger: Logger;
  /** A new unique message id. */
  nextMessageId(): string;
  /** The sequence timeouts of the messages in flight (`options.sequenceTimeout`; see deadlines.ts). */
  readonly deadlines: DeadlineList<InFlight>;
  /** The cap on the warning written for each frame that does not decode (see log-limit.ts in @iso8583/metrics). */
  readonly decodeWarnings: LogLimit;
  /**
   * The cap on the warning written for a result that does not answer its request (none for a request that expects one,
   * or a reply of another MTI: reply-check.ts).
   */
  readonly replyWarnings: LogLimit;
  /**
   * The cap on the line written when the endpoint closes a connection or a handshake (a timeout, an eviction, broken
   * framing, a socket error, a failed TLS handshake), by code: a client can cause one per connection it opens.
   */
  readonly closeLines: LogLimits;
}

/** The side of a connection that the message pipeline sees. */
export interface Peer {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly logger: Logger;
  /** The parent of the loggers handed to sequences for this connection's messages (made on first use). */
  readonly sequenceLogger: Logger;
  /** Settles when the connection has closed (a message's `context.gone`, client-gone.ts). Default: never (a peer made by hand). */
  readonly closed?: Promise<void>;
  /** True once the connection has closed, from the socket's `close` event (`closed` settles later). Default: false. */
  readonly hasClosed?: boolean;
  /**
   * Writes one framed reply; false when the client has gone (the reply is dropped and counted). `dropped` (default:
   * none) is called if the reply, once accepted, never reaches the socket (it closed first, or the write failed).
   * `token` (default -1: none): its note in `replyNotes`, told lost if a reset of our own throws the reply away.
   */
  send(frame: Buffer, dropped?: () => void, token?: number): boolean;
  /**
   * The notes of the replies the kernel may hold, for a reset of our own (reply-notes.ts); `token` is a note's (default:
   * none: nothing is noted).
   */
  readonly replyNotes?: ReplyNotes;
  /**
   * A message whose sequence was awaited is done: its reply sent (or dropped). `err`: an unexpected failure on the way
   * (logged and counted as `ISO8583_ERR_INBOUND_INTERNAL`).
   */
  handled(err?: unknown): void;
  /**
   * A frame of this connection did not decode: true when it is one too many in a row (`maxFormatErrors`) and the
   * connection is being closed (no answer is sent).
   */
  formatError(): boolean;
  /** A frame of this connection decoded: the count of format errors in a row starts over. */
  wellFormed(): void;
}

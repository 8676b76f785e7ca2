import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createCodec, dialectLoadReason, schemaCheckError } from '@iso8583/codec';
import { precompiledSchemaCheck } from '@iso8583/codec/precompiled-check';
import { hideTlsKey } from '@iso8583/codec/tls-material';
import { PRECOMPILED } from './generated/options-check.js';
import type { Dialect, FieldProblem, SchemaCheck, SchemaCheckOptions } from '@iso8583/codec';
import type { LengthHeader } from '@iso8583/codec';
import { INBOUND_OPTIONS_SCHEMA } from './generated/manifest.js';
import { parseAllowEntry } from './allow-list.js';
import { framingProblem } from './framing-options.js';
import { tlsOptionsProblems } from './tls-options.js';
import type { InboundTlsOptions } from './tls-options.js';
import { defaultPerAddress } from './peer-key.js';
import type { LateResultHandler, Sequence } from './sequence.js';
import type { ReplyObserver } from './reply-observer.js';

/**
 * Options of {@link createInboundEndpoint}. Validated by ajv against the `inboundEndpoint` schema of
 * `connector-manifest.json`; an invalid set throws `ISO8583_ERR_INBOUND_OPTIONS` naming every bad option.
 */
export interface InboundOptions {
  /** The endpoint's name, in logs, metric labels and `context.endpoint`. Default `inbound`. */
  name?: string;
  /** The address to listen on. Default `127.0.0.1`. */
  host?: string;
  /** The TCP port; 0 picks a free one (read it from `address()`). Required. */
  port: number;
  /** A built-in dialect name, a `.json`/`.xml` dialect file path, or a dialect object. Default `iso87ascii`. */
  dialect?: string | Dialect;
  /** The length header in front of each message. Default `binary2`. */
  frame?: LengthHeader;
  /** Whether the length header counts itself. Default `false`. */
  lengthIncludesHeader?: boolean;
  /** Fixed header bytes after the length header (5 for a TPDU, swapped on the reply). Default 0. */
  headerBytes?: number;
  /**
   * Whether the length leaves the `headerBytes` fixed header bytes out and counts the message only (SocketQueue's
   * `headerFormat`). Default `false`: the length counts the fixed header bytes and the message.
   */
  lengthExcludesHeaderBytes?: boolean;
  /** Lenient decoding (characters outside the field type accepted, as real hosts send them). Default `false`. */
  lenient?: boolean;
  /** Listen with TLS. Default: plain TCP. */
  tls?: InboundTlsOptions;
  /** The sequence: a function, a registered name (e.g. `host-simulator`) or a module path. Required. */
  sequence: Sequence | string;
  /** The sequence called when the sequence fails or times out. Default: none (reply with response code 96). */
  onError?: Sequence | string;
  /**
   * Milliseconds a sequence may take before it counts as failed (its `context.signal` aborted); at most 2147483647.
   * onError has as long again, from its call (after a timeout the client may wait up to twice this, plus up to a
   * tenth of it, 250 ms at most, when a flow hands the 96 a hold: `holdGiveUp`): when that runs out the client gets
   * response code 96, the signal is aborted, and an answer onError gives later goes to
   * `onLateResult` (`sequence-timeout`, source `onError`). Default 30000.
   */
  sequenceTimeout?: number;
  /**
   * Connections held at once (TLS handshakes included). At the limit, the oldest that has sent no complete message
   * (nor any byte since it was last looked at) makes room; when every one has spoken, one more is closed at accept.
   * A whole number, 1 to 4294967295. Default 10000.
   */
  maxConnections?: number;
  /**
   * Connections one peer may hold at once: one address, or for IPv6 one /64 (a host may pick any address in its /64
   * for each connection). At the limit, the peer's own oldest connection that has sent no message yet makes room;
   * failing that, the new one is closed at accept (`ISO8583_ERR_INBOUND_TOO_MANY_FROM_ADDRESS`, logged and counted),
   * so that one peer can never take every slot from the others. Terminals behind one NAT or a concentrator share an
   * address: the default leaves such a peer nine slots in ten. Behind a TCP load balancer or proxy (every client shows
   * its address), set it to `maxConnections`. Default: `maxConnections` less a tenth of it, rounded down (9000 of the
   * default 10000; below 10, `maxConnections`). A whole number, 1 to 4294967295.
   */
  maxConnectionsPerAddress?: number;
  /** The largest frame accepted (length header excluded); more closes the connection. Default 65535. */
  maxFrameSize?: number;
  /** Messages of one connection handled at once; reading pauses at the limit: 1 to 4294967295. Default 64. */
  maxInFlightPerConnection?: number;
  /**
   * Messages of the whole endpoint (every connection's, those of clients that have gone included) in their sequence at
   * once: at the limit every connection stops taking frames and its reading pauses (holding at most one read) until a
   * message ends, so that memory in flight stays bounded (about this times the largest frame, and what a sequence
   * holds). 1 to 4294967295. Default 10000.
   */
  maxInFlight?: number;
  /**
   * Frames in a row that do not decode (each answered with response code 30 where its MTI can be read) after which the
   * connection is closed with `ISO8583_ERR_INBOUND_FORMAT_ERRORS`; a frame that decodes starts the count over; 0 never
   * closes. A client sending nothing but garbage is cut off instead of costing every other client its share of the
   * event loop. Default 16.
   */
  maxFormatErrors?: number;
  /**
   * Called with a sequence's result that never reaches its client, and why (`reason`): `sequence-timeout`, it settled
   * after its `sequenceTimeout`, or onError's answer after onError's own (the client already has its timeout answer:
   * onError's, or response code 96), logged and
   * counted as `ISO8583_ERR_INBOUND_LATE_REPLY`; `client-gone`, the client's connection closed before the result could
   * be written, logged and counted as `ISO8583_ERR_INBOUND_CLIENT_GONE`; `reply-invalid`, it could not be packed (the
   * client got a 96). Either way the result is never sent; e.g. reverse an approval the terminal never got (the gateway
   * does). onError's answer that never reaches its client is handed over too, with `source` `onError` (`sequence` for
   * the sequence's own); the endpoint's own replies are not. A throw is logged and counted as
   * `ISO8583_ERR_INBOUND_INTERNAL`. Default: none.
   */
  onLateResult?: LateResultHandler;
  /**
   * Called with each reply the endpoint wrote to a client, as it went (its fields as packed: a sequence's `39: 0` in an
   * `n 3` field 39 is told as the `000` the client got): the sequence's, onError's, or the endpoint's own
   * (response code 96 for a result that cannot be packed, 30 for a frame that does not decode), with the client and the
   * milliseconds since its request was read. Told when the reply is accepted for writing: one its connection's destroy
   * then cuts before it left (a client that did not read) has been told all the same, and is told again with
   * `cut: true`; it is counted `ISO8583_ERR_INBOUND_CLIENT_GONE` and handed to `onLateResult` (`client-gone`). A reply
   * to a client that half-closed (`allowHalfOpen`) is written and told as any other. For traces; a throw is ignored.
   * Default: none.
   */
  onReply?: ReplyObserver;
  /**
   * Whether a client that half-closes (sends its FIN) after its requests still gets their replies before the endpoint
   * ends its side. `false`: the FIN closes the connection at once, as SocketQueue's client sockets do: a terminal that
   * gives up on its answer closes its socket, and a FIN cannot tell that from a half close, so the results still in
   * flight are not written (`ISO8583_ERR_INBOUND_CLIENT_GONE`) but handed to `onLateResult` (`client-gone`).
   * Default `true`.
   */
  allowHalfOpen?: boolean;
  /**
   * Milliseconds without bytes and with nothing in flight before a connection is closed; 0 never; at most 2147483647.
   * Default 0.
   */
  idleTimeout?: number;
  /**
   * Milliseconds of silence on an accepted connection after which TCP keepalive probes start (`socket.setKeepAlive`,
   * set at accept, before any TLS handshake): a terminal that vanished without a FIN or RST (a power cut, a NAT that
   * dropped the mapping) gives up its slot once the system's probes fail (Linux: 9 probes 75 s apart by default), even
   * with `idleTimeout` 0; 0 turns keepalive off; at most 2147483647. Default 60000.
   */
  keepAlive?: number;
  /**
   * End the connection once a reply has been written: frames of later reads are not taken (those of the read that
   * brought the request are, whether the sequence answers at once or later), what is still in flight is answered,
   * then the socket ends (one request per connection, as SocketQueue's socket clients expect: they read the
   * answer until the connection closes). A message that gets no reply leaves the connection open. Default `false`.
   */
  closeAfterReply?: boolean;
  /**
   * Milliseconds within which a started frame (and a TLS handshake) must complete; 0 never; at most 2147483647 (the
   * longest delay a Node.js timer honours, the connector's `MAX_TIMER_DELAY`). Default 30000.
   */
  readTimeout?: number;
  /**
   * Milliseconds from accept (TLS handshake included) within which a client must send its first complete message,
   * else the connection is closed; 0 never. Default 10000.
   */
  firstMessageTimeout?: number;
  /** IP allow-list: addresses and CIDR ranges (IPv4 and IPv6). Default: every address. */
  allow?: string[];
  /** Handed to sequences as `context.connectors`. Default `{}`. */
  connectors?: Record<string, unknown>;
  /**
   * A pino logger, or one shaped like it (`child()` and `trace` to `fatal`, checked); the endpoint logs through a
   * child with `endpoint` set. Default: silent.
   */
  logger?: Logger;
  /** The prom-client Registry for the metrics. Default: a Registry of the endpoint's own, made when first read. */
  registry?: Registry;
}

/** The options after validation, with every default filled in; frozen. */
export interface ResolvedInboundOptions {
  /** `name` as given, or its default (see {@link InboundOptions.name}). */
  readonly name: string;
  /** `host` as given, or its default (see {@link InboundOptions.host}). */
  readonly host: string;
  /** `port` as given, or its default (see {@link InboundOptions.port}). */
  readonly port: number;
  /** `dialect` as given, or its default (see {@link InboundOptions.dialect}). */
  readonly dialect: string | Dialect;
  /** `frame` as given, or its default (see {@link InboundOptions.frame}). */
  readonly frame: LengthHeader;
  /** `lengthIncludesHeader` as given, or its default (see {@link InboundOptions.lengthIncludesHeader}). */
  readonly lengthIncludesHeader: boolean;
  /** `headerBytes` as given, or its default (see {@link InboundOptions.headerBytes}). */
  readonly headerBytes: number;
  /** `lengthExcludesHeaderBytes` as given, or its default (see {@link InboundOptions.lengthExcludesHeaderBytes}). */
  readonly lengthExcludesHeaderBytes: boolean;
  /** `lenient` as given, or its default (see {@link InboundOptions.lenient}). */
  readonly lenient: boolean;
  /** `tls` as given, or its default (see {@link InboundOptions.tls}). */
  readonly tls: Readonly<InboundTlsOptions> | undefined;
  /** `sequence` as given, or its default (see {@link InboundOptions.sequence}). */
  readonly sequence: Sequence | string;
  /** `onError` as given, or its default (see {@link InboundOptions.onError}). */
  readonly onError: Sequence | string | undefined;
  /** `sequenceTimeout` as given, or its default (see {@link InboundOptions.sequenceTimeout}). */
  readonly sequenceTimeout: number;
  /** `maxConnections` as given, or its default (see {@link InboundOptions.maxConnections}). */
  readonly maxConnections: number;
  /** `maxConnectionsPerAddress` as given, or its default (see {@link InboundOptions.maxConnectionsPerAddress}). */
  readonly maxConnectionsPerAddress: number;
  /** `maxFrameSize` as given, or its default (see {@link InboundOptions.maxFrameSize}). */
  readonly maxFrameSize: number;
  /** `maxInFlightPerConnection` as given, or its default (see {@link InboundOptions.maxInFlightPerConnection}). */
  readonly maxInFlightPerConnection: number;
  /** `maxInFlight` as given, or its default (see {@link InboundOptions.maxInFlight}). */
  readonly maxInFlight: number;
  /** `maxFormatErrors` as given, or its default (see {@link InboundOptions.maxFormatErrors}). */
  readonly maxFormatErrors: number;
  /** `onLateResult` as given, or its default (see {@link InboundOptions.onLateResult}). */
  readonly onLateResult: LateResultHandler | undefined;
  /** `onReply` as given, or its default (see {@link InboundOptions.onReply}). */
  readonly onReply: ReplyObserver | undefined;
  /** `allowHalfOpen` as given, or its default (see {@link InboundOptions.allowHalfOpen}). */
  readonly allowHalfOpen: boolean;
  /** `idleTimeout` as given, or its default (see {@link InboundOptions.idleTimeout}). */
  readonly idleTimeout: number;
  /** `keepAlive` as given, or its default (see {@link InboundOptions.keepAlive}). */
  readonly keepAlive: number;
  /** `closeAfterReply` as given, or its default (see {@link InboundOptions.closeAfterReply}). */
  readonly closeAfterReply: boolean;
  /** `readTimeout` as given, or its default (see {@link InboundOptions.readTimeout}). */
  readonly readTimeout: number;
  /** `firstMessageTimeout` as given, or its default (see {@link InboundOptions.firstMessageTimeout}). */
  readonly firstMessageTimeout: number;
  /** `allow` as given, or its default (see {@link InboundOptions.allow}). */
  readonly allow: readonly string[] | undefined;
  /** `connectors` as given, or its default (see {@link InboundOptions.connectors}). */
  readonly connectors: Record<string, unknown>;
  /** `logger` as given, or its default (see {@link InboundOptions.logger}). */
  readonly logger: Logger | undefined;
  /** `registry` as given, or its default (see {@link InboundOptions.registry}). */
  readonly registry: Registry | undefined;
}

const CHECK = { code: 'ISO8583_ERR_INBOUND_OPTIONS', subject: 'inbound options' } as const;

/** How the options are checked against the schema (generated at build time with these: scripts/schema-validators.mjs). */
export const INBOUND_OPTIONS_CHECK: SchemaCheckOptions = {
  ...CHECK,
  unknownReason: 'is not an option of the inbound endpoint',
  useDefaults: true,
  checkSchema: false,
};

let check: SchemaCheck | undefined;

/**
 * The JSON Schema of the inbound endpoint's options: `inboundEndpoint.parameters` of `connector-manifest.json`, made a
 * module by the build (scripts/manifest-module.mjs). A copy: the caller may change it.
 */
export function inboundOptionsSchema(): Record<string, unknown> {
  return structuredClone(INBOUND_OPTIONS_SCHEMA) as Record<string, unknown>;
}

/**
 * The methods the endpoint calls on a `logger` (its own lines, and a sequence's through `context.logger`: every level)
 * and on a `registry` (the schema only asks for objects).
 */
const RUNTIME_METHODS = {
  logger: ['child', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'],
  registry: ['getSingleMetric', 'registerMetric'],
} as const;

/**
 * `logger` and `registry` objects that lack what the endpoint calls on them: without this check the endpoint's
 * construction failed with a TypeError, reported as `ISO8583_ERR_INBOUND_OPTIONS` naming no option.
 */
function runtimeObjectProblems(copy: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [field, methods] of Object.entries(RUNTIME_METHODS)) {
    const value = copy[field];
    if (value === null || typeof value !== 'object') continue;
    const missing = methods.filter((m) => typeof (value as Record<string, unknown>)[m] !== 'function');
    if (missing.length > 0) {
      const kind = field === 'logger' ? 'a pino logger' : 'a prom-client Registry';
      problems.push({ field, code: CHECK.code, reason: `is not ${kind} (no ${missing.map((m) => `${m}()`).join(', ')})` });
    }
  }
  return problems;
}

/** The longest `close({ deadline })`: the longest delay a Node.js timer honours (a longer one fires at once). */
export const MAX_CLOSE_DEADLINE = 2_147_483_647;

/**
 * The `deadline` of `close({ deadline })`: a number of milliseconds from 0 to {@link MAX_CLOSE_DEADLINE} (about 24.8
 * days: the longest wait there is; `Infinity` is refused like any value no timer can hold, which would make the
 * drain end at once). `undefined` gives `fallback`. Throws `ISO8583_ERR_INBOUND_OPTIONS` with field `deadline`.
 */
export function closeDeadline(options: unknown, fallback: number): number {
  if (options === undefined) return fallback;
  if (options === null || typeof options !== 'object') {
    throw schemaCheckError([{ field: '(close options)', code: CHECK.code, reason: 'must be an object' }], CHECK);
  }
  const deadline = (options as { deadline?: unknown }).deadline;
  if (deadline === undefined) return fallback;
  if (typeof deadline !== 'number' || !Number.isFinite(deadline) || deadline < 0 || deadline > MAX_CLOSE_DEADLINE) {
    throw schemaCheckError([{ field: 'deadline', code: CHECK.code, reason: `must be a number of milliseconds from 0 to ${MAX_CLOSE_DEADLINE}` }], CHECK);
  }
  return deadline;
}

/**
 * Checks endpoint options against the inbound schema of `connector-manifest.json` and fills in the defaults, and `tls`
 * as Node's TLS will use it (the certificate and key parse and go together, `ca` holds certificates: see
 * `tlsMaterialProblem`; `ca` and `requestCert` given together). Throws `ISO8583_ERR_INBOUND_OPTIONS` with `problems`
 * naming every offending option (`tls.cert`, `tls.key`, `tls.ca`, `tls.requestCert`; never its value). The result is frozen.
 */
export function validateInboundOptions(options: unknown): ResolvedInboundOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw schemaCheckError([{ field: '(options)', code: CHECK.code, reason: 'must be an object' }], CHECK);
  }
  // A shallow copy (and one of `tls`) takes the defaults; loggers, registries and connectors are not cloned.
  const copy: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const key of Object.keys(copy)) if (copy[key] === undefined) delete copy[key];
  if (copy.tls !== null && typeof copy.tls === 'object') copy.tls = { ...(copy.tls as object) };
  if (Array.isArray(copy.allow)) copy.allow = [...(copy.allow as unknown[])];
  check ??= precompiledSchemaCheck(inboundOptionsSchema(), PRECOMPILED, INBOUND_OPTIONS_CHECK);
  const problems: FieldProblem[] = check(copy);
  if (Array.isArray(copy.allow)) {
    (copy.allow as unknown[]).forEach((entry, i) => {
      if (typeof entry === 'string' && parseAllowEntry(entry) === undefined) {
        problems.push({ field: `allow.${i}`, code: CHECK.code, reason: 'is not an IP address or CIDR range' });
      }
    });
  }
  problems.push(...runtimeObjectProblems(copy).filter((p) => !problems.some((q) => q.field === p.field)));
  if (problems.length === 0 && copy.tls !== undefined) {
    problems.push(...tlsOptionsProblems(copy.tls as InboundTlsOptions, CHECK.code));
  }
  // As the connector's options: a dialect that does not load (a file missing or invalid, an unknown name) is a problem
  // of the options, found before anything listens.
  if (!problems.some((p) => p.field === 'dialect') && (typeof copy.dialect === 'string' || (copy.dialect !== null && typeof copy.dialect === 'object'))) {
    try {
      createCodec(copy.dialect as string | Dialect);
    } catch (err) {
      problems.push({ field: 'dialect', code: CHECK.code, reason: dialectLoadReason(err) });
    }
  }
  if (problems.length === 0) {
    const problem = framingProblem(copy, CHECK.code);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw schemaCheckError(problems, CHECK);
  if (copy.connectors === undefined) copy.connectors = {};
  const resolved = {
    name: copy.name,
    host: copy.host,
    port: copy.port,
    dialect: copy.dialect,
    frame: copy.frame,
    lengthIncludesHeader: copy.lengthIncludesHeader,
    headerBytes: copy.headerBytes,
    lengthExcludesHeaderBytes: copy.lengthExcludesHeaderBytes,
    lenient: copy.lenient,
    // Its key shown `[set]` by JSON and util.inspect: a logged or printed `endpoint.options` holds no private key.
    tls: copy.tls === undefined ? undefined : hideTlsKey(copy.tls as InboundTlsOptions),
    sequence: copy.sequence,
    onError: copy.onError,
    sequenceTimeout: copy.sequenceTimeout,
    maxConnections: copy.maxConnections,
    maxConnectionsPerAddress: copy.maxConnectionsPerAddress ?? defaultPerAddress(copy.maxConnections as number),
    maxFrameSize: copy.maxFrameSize,
    maxInFlightPerConnection: copy.maxInFlightPerConnection,
    maxInFlight: copy.maxInFlight,
    maxFormatErrors: copy.maxFormatErrors,
    onLateResult: copy.onLateResult,
    onReply: copy.onReply,
    allowHalfOpen: copy.allowHalfOpen,
    idleTimeout: copy.idleTimeout,
    keepAlive: copy.keepAlive,
    closeAfterReply: copy.closeAfterReply,
    readTimeout: copy.readTimeout,
    firstMessageTimeout: copy.firstMessageTimeout,
    allow: copy.allow === undefined ? undefined : Object.freeze(copy.allow),
    connectors: copy.connectors,
    logger: copy.logger,
    registry: copy.registry,
  } as ResolvedInboundOptions;
  return Object.freeze(resolved);
}

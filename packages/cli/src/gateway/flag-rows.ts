/**
 * The gateway's flag rows: every option of `iso8583 gateway` in one row (flag, config file key, type, limits, default,
 * help). The config file schema, the argument specs, the defaults and the help are all made from these rows.
 */
import { DEFAULT_TERMINAL_LOCK_CONNECTIONS, MAX_IN_FLIGHT, MAX_SAF_ATTEMPTS, MAX_SAF_ENTRIES, MAX_SAF_IN_FLIGHT, MAX_TERMINAL_LOCK_CONNECTIONS } from '@iso8583/connector/option-limits';
import { MAX_CONNECTIONS } from '@iso8583/inbound/option-limits';
import { MAX_REQUEST_TIMEOUT, MAX_TIMER_DELAY } from '@iso8583/connector/timeouts';
import { FRAME_CHOICES, MAX_HEADER_BYTES } from '../flags.js';
import { CONSOLE_ROWS } from '../flag-table.js';
import { DEFAULT_HTTP_MAX_CONNECTIONS } from '../http/connection-cap.js';
import { DEFAULT_HTTP_MAX_HELD_BACK } from '../http/held-budget.js';
import { DEFAULT_HTTP_BODY_BUDGET } from '../http/body-limit.js';
import type { FlagRow } from '../flag-table.js';
import type { GatewayConfig } from './config.js';
import { HEADER_HEX, HOST_PORT, UPSTREAM_HOST } from './upstreams.js';

/** One gateway flag: a row of the common flag table plus its key in {@link GatewayConfig} and the config file. */
export interface GatewayFlagRow extends FlagRow {
  /** The key in the config file and in {@link GatewayConfig}. */
  key: keyof GatewayConfig;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const PORT = { kind: 'integer', arg: 'PORT', min: 0, max: 65535 } as const;

/** Every gateway flag: type, limits, default and help in one row; the config file schema, the defaults and the help are made from it. */
export const GATEWAY_FLAGS: readonly GatewayFlagRow[] = [
  { key: 'upstream', flag: 'upstream', kind: 'string', arg: 'HOST:PORT', pattern: HOST_PORT, help: 'the bank or switch, [NAME=]HOST:PORT (required; repeat it for several named upstreams)' },
  { key: 'upstreamStrategy', flag: 'upstream-strategy', kind: 'choice', choices: ['failover', 'round-robin'], default: 'failover', help: 'how requests are spread over the healthy upstreams' },
  { key: 'upstreamHost', flag: 'upstream-host', aliases: ['upstreamHost'], kind: 'string', arg: 'HOST', pattern: UPSTREAM_HOST, help: 'the bank\'s host, with --upstream-port: the same as --upstream' },
  { key: 'upstreamPort', flag: 'upstream-port', aliases: ['upstreamPort'], ...PORT, help: 'the bank\'s port, with --upstream-host' },
  { key: 'listen', flag: 'listen', aliases: ['listenPort'], ...PORT, default: 8583, help: 'port for binary POS clients; 0 = any' },
  { key: 'http', flag: 'http', aliases: ['listenHttpPort'], ...PORT, default: 8080, help: 'HTTP port: POST /, POST /raw (and GET /stats, GET /metrics without --metrics)' },
  { key: 'httpEnabled', flag: 'http-enabled', kind: 'boolean', default: true, help: 'serve HTTP (--no-http turns it off)' },
  { key: 'metrics', flag: 'metrics', ...PORT, defaultText: 'on --http', help: 'separate port for GET /metrics and GET /stats, no longer on --http' },
  { key: 'metricsHost', flag: 'metrics-host', kind: 'string', arg: 'ADDRESS', default: '127.0.0.1', help: 'address the --metrics and --stats-port listeners bind to' },
  { key: 'statsPort', flag: 'stats-port', aliases: ['statServerPort'], ...PORT, help: 'raw TCP port that writes the /stats JSON on connect' },
  { key: 'socketqueue', flag: 'socketqueue', kind: 'boolean', default: false, help: 'SocketQueue\'s defaults: smartvista, --frame ascii4, --length-excludes-header-bytes, --client-frame none, --client-header-bytes 0, --client-close-after-reply, no HTTP unless --http, no echo test, --request-timeout 35000, --socketqueue-answers, --terminal-queue (implied by any of SocketQueue\'s names; a flag given wins)' },
  { key: 'socketqueueAnswers', flag: 'socketqueue-answers', kind: 'boolean', default: false, help: 'answer POST / JSON as SocketQueue does: numeric fields as numbers, the bitmap as "1"' },
  { key: 'bind', flag: 'bind', kind: 'string', arg: 'ADDRESS', default: '127.0.0.1', help: 'address the listeners bind to' },
  { key: 'httpBind', flag: 'http-bind', kind: 'string', arg: 'ADDRESS', defaultText: '--bind', help: 'address the --http listener binds to (keep it 127.0.0.1 while --bind takes remote terminals); beyond loopback without --http-token, a warning' },
  { key: 'dialect', flag: 'dialect', kind: 'string', arg: 'NAME|FILE', default: 'iso87ascii', help: 'dialect: built-in name or .json/.xml file' },
  { key: 'clientDialect', flag: 'client-dialect', kind: 'string', arg: 'NAME|FILE', defaultText: '--dialect', help: 'dialect of POS clients' },
  { key: 'frame', flag: 'frame', kind: 'choice', choices: FRAME_CHOICES, default: 'binary2', help: 'upstream length header' },
  { key: 'clientFrame', flag: 'client-frame', kind: 'choice', choices: FRAME_CHOICES, defaultText: '--frame', help: 'POS length header' },
  { key: 'lengthIncludesHeader', flag: 'length-includes-header', kind: 'boolean', default: false, help: 'the length counts itself' },
  { key: 'headerBytes', flag: 'header-bytes', kind: 'integer', arg: 'N', max: MAX_HEADER_BYTES, default: 0, help: 'fixed header bytes upstream, e.g. 5 for a TPDU; sent as zero bytes unless --header-hex gives them' },
  { key: 'lengthExcludesHeaderBytes', flag: 'length-excludes-header-bytes', kind: 'boolean', default: false, help: 'the length counts the message only, not the --header-bytes fixed header bytes (SocketQueue\'s headerFormat; on with SocketQueue\'s names, unless --length-includes-header is given)' },
  { key: 'headerHex', flag: 'header-hex', kind: 'string', arg: 'HEX', pattern: HEADER_HEX, help: `the fixed header sent upstream before every request, in hex (e.g. 6000010000 for a TPDU; ${MAX_HEADER_BYTES} bytes at most): sets --header-bytes to its length` },
  { key: 'clientCloseAfterReply', flag: 'client-close-after-reply', kind: 'boolean', default: false, help: 'end a POS connection once its answer is written (one request per connection, as SocketQueue does)' },
  { key: 'clientHeaderBytes', flag: 'client-header-bytes', kind: 'integer', arg: 'N', max: MAX_HEADER_BYTES, defaultText: '--header-bytes', help: 'fixed header bytes of POS clients' },
  { key: 'tls', flag: 'tls', kind: 'boolean', default: false, help: 'TLS towards the upstream' },
  { key: 'tlsCa', flag: 'tls-ca', kind: 'string', arg: 'FILE', help: 'CA file (PEM) of the upstream certificate' },
  { key: 'tlsCert', flag: 'tls-cert', kind: 'string', arg: 'FILE', help: 'client certificate file (PEM) for the upstream' },
  { key: 'tlsKey', flag: 'tls-key', kind: 'string', arg: 'FILE', help: 'key file (PEM) of --tls-cert' },
  { key: 'tlsServername', flag: 'tls-servername', kind: 'string', arg: 'NAME', help: 'server name expected in the upstream certificate' },
  { key: 'tlsInsecure', flag: 'tls-insecure', kind: 'boolean', default: false, help: 'do not verify the upstream certificate (testing only)' },
  { key: 'clientTlsCert', flag: 'client-tls-cert', kind: 'string', arg: 'FILE', help: 'certificate file (PEM): TLS for POS clients' },
  { key: 'clientTlsKey', flag: 'client-tls-key', kind: 'string', arg: 'FILE', help: 'key file (PEM) of --client-tls-cert' },
  { key: 'clientTlsCa', flag: 'client-tls-ca', kind: 'string', arg: 'FILE', help: 'CA file (PEM): require POS client certificates' },
  { key: 'matchKey', flag: 'match-key', aliases: ['queueMessageKeyFields'], kind: 'string', arg: 'FIELDS', pattern: '^[0-9]{1,3}(,[0-9]{1,3})*$', defaultText: '11,41', help: 'the fields, comma separated, that match the bank\'s answer to its request, besides its MTI (always part of the key); e.g. 11 for a bank that does not echo field 41 (with --no-reversal); must include 11, fields of 7, 11, 12, 13, 32, 41, 42' },
  { key: 'terminalQueue', flag: 'terminal-queue', aliases: ['queueLockTerminal'], kind: 'boolean', default: false, help: 'one request at a time per terminal (field 41); on with SocketQueue\'s names (--queueLockTerminal=false turns it off)' },
  { key: 'reversalJournal', flag: 'reversal-journal', kind: 'string', arg: 'DIR', defaultText: '$XDG_STATE_HOME/iso8583/upstream, else ~/.local/state/iso8583/upstream', help: 'directory of the durable reversal journal' },
  { key: 'reversalRetryInterval', flag: 'reversal-retry-interval', aliases: ['saf-retry-interval'], kind: 'integer', arg: 'MS', min: 1, max: MAX_TIMER_DELAY, default: 10_000, help: 'ms between attempts of an unanswered reversal or advice (SAF)' },
  { key: 'store', flag: 'store', kind: 'string', arg: 'URL', pattern: '^[Pp][Oo][Ss][Tt][Gg][Rr][Ee][Ss]([Qq][Ll])?://', defaultText: 'the file journal of --reversal-journal', help: 'keep reversals in PostgreSQL, shared by several gateway nodes: postgresql://USER@HOST:PORT/DB' },
  { key: 'safLease', flag: 'saf-lease', kind: 'integer', arg: 'MS', min: 100, max: MAX_TIMER_DELAY, default: 30_000, help: 'with --store: ms a node holds a reversal without renewing; a dead node\'s are taken over after it' },
  { key: 'terminalLockConnections', flag: 'terminal-lock-connections', kind: 'integer', arg: 'N', min: 1, max: MAX_TERMINAL_LOCK_CONNECTIONS, default: DEFAULT_TERMINAL_LOCK_CONNECTIONS, help: 'with --store and --terminal-queue: most requests of this node at the bank at once (each holds its terminal\'s lock on a PostgreSQL connection of its own: size max_connections for every node); more wait, within --request-timeout' },
  { key: 'noSafOwnerLock', flag: 'no-saf-owner-lock', kind: 'boolean', default: false, help: 'with --store: hold no owner lock (behind a relay that pools by transaction); a killed node\'s reversals then wait for its lease' },
  { key: 'noReversal', flag: 'no-reversal', aliases: ['noAutoReversal'], kind: 'boolean', default: false, help: 'do not reverse requests whose outcome is unknown (and no SAF queue)' },
  { key: 'transactionRetention', flag: 'transaction-retention', kind: 'integer', arg: 'DAYS', max: 36_500, default: 30, help: 'days the transaction log keeps (in the --reversal-journal folder, or the --store database), 0 = forever' },
  { key: 'noTransactionLog', flag: 'no-transaction-log', kind: 'boolean', default: false, help: 'keep no transaction log' },
  { key: 'safInitialDelay', flag: 'saf-initial-delay', kind: 'integer', arg: 'MS', max: MAX_TIMER_DELAY, default: 0, help: 'ms from journaling a SAF entry to its first attempt' },
  { key: 'safMessageInterval', flag: 'saf-message-interval', kind: 'integer', arg: 'MS', max: MAX_TIMER_DELAY, default: 0, help: 'least ms between two SAF attempts to an upstream' },
  { key: 'safMaxAttempts', flag: 'saf-max-attempts', kind: 'integer', arg: 'N', max: MAX_SAF_ATTEMPTS, default: 0, help: 'attempts before a SAF entry is abandoned, 0 = until answered' },
  { key: 'safExpireAfter', flag: 'saf-expire-after', kind: 'integer', arg: 'MS', max: MAX_TIMER_DELAY, default: 0, help: 'ms after journaling at which an unanswered SAF entry expires, 0 = never' },
  { key: 'safMaxInFlight', flag: 'saf-max-in-flight', kind: 'integer', arg: 'N', min: 1, max: MAX_SAF_IN_FLIGHT, default: 64, help: 'most SAF attempts in flight at once to an upstream (from due to answered): a backlog after an outage is sent at this pace' },
  { key: 'safMaxEntries', flag: 'saf-max-entries', kind: 'integer', arg: 'N', max: MAX_SAF_ENTRIES, default: 100_000, help: 'most SAF entries not yet ended per upstream: an advice posted with ?saf=true beyond it is refused (503; a terminal gets 91), 0 = no limit; the gateway\'s own reversals are never refused' },
  { key: 'safEndCodes', flag: 'saf-end-codes', kind: 'string', arg: 'CODES', pattern: '^[0-9A-Za-z]{2,3}(,[0-9A-Za-z]{2,3})*$', defaultText: 'any answer but a system error ends an entry', help: 'response codes (comma-separated) that end a SAF entry besides the dialect approval codes; other codes repeat it (a system error of the dialect, such as 96 or SmartVista 912, repeats it unless named here)' },
  { key: 'requestTimeout', flag: 'request-timeout', kind: 'integer', arg: 'MS', min: 1, max: MAX_REQUEST_TIMEOUT, default: 30_000, help: 'ms to wait for the upstream answer (and for an HTTP client to send its request, at least 2000: then 408)' },
  { key: 'echoInterval', flag: 'echo-interval', kind: 'integer', arg: 'MS', max: MAX_TIMER_DELAY, default: 60_000, help: 'ms without a message received before an echo test (0 = off); after an unanswered echo a new connection answers one before it is used' },
  { key: 'reconnectDelay', flag: 'reconnect-delay', kind: 'integer', arg: 'MS', min: 1, max: MAX_TIMER_DELAY, default: 100, help: 'ms before the first try to reconnect a lost or refused upstream link; each failure in a row doubles the wait (drawn between half and all of it), up to --reconnect-max-delay' },
  { key: 'reconnectMaxDelay', flag: 'reconnect-max-delay', kind: 'integer', arg: 'MS', min: 1, max: MAX_TIMER_DELAY, default: 30_000, help: 'longest ms between tries to reconnect an upstream link (not below --reconnect-delay): a bank back on its port is linked again within it' },
  { key: 'signOn', flag: 'sign-on', kind: 'boolean', default: false, help: 'sign on (0800/001) and off with the upstream' },
  { key: 'maxConnections', flag: 'max-connections', kind: 'integer', arg: 'N', min: 1, max: MAX_CONNECTIONS, default: 1000, help: 'most POS connections at once' },
  { key: 'maxInFlight', flag: 'max-in-flight', kind: 'integer', arg: 'N', min: 1, max: MAX_IN_FLIGHT, defaultText: '64 x --max-connections + 32 x --http-max-connections (96000)', help: 'most requests each upstream link accepts at once (queued or at the bank); one more is answered 91 and never sent. Each request is bounded in time by --request-timeout' },
  { key: 'maxConnectionsPerAddress', flag: 'max-connections-per-address', kind: 'integer', arg: 'N', min: 1, max: MAX_CONNECTIONS, defaultText: '--max-connections less a tenth', help: 'most POS connections of one address (IPv6: one /64) at once; behind a TCP load balancer set it to --max-connections' },
  { key: 'httpMaxConnections', flag: 'http-max-connections', kind: 'integer', arg: 'N', min: 1, default: DEFAULT_HTTP_MAX_CONNECTIONS, help: 'most HTTP connections at once: for a new one the oldest without a request in progress is closed, and only when every one is mid-request is the new one refused (503)' },
  { key: 'httpMaxConnectionsPerAddress', flag: 'http-max-connections-per-address', kind: 'integer', arg: 'N', min: 1, defaultText: '--http-max-connections less a tenth', help: 'most HTTP connections of one address (IPv6: one /64) at once; behind a reverse proxy set it to --http-max-connections' },
  { key: 'httpMaxHeldBack', flag: 'http-max-held-back', kind: 'integer', arg: 'N', min: 1, default: DEFAULT_HTTP_MAX_HELD_BACK, help: 'most pipelined HTTP requests held back at once across the port (parsed, waiting for an earlier answer of their connection): beyond it the connection holding the most, with every request at the routes answered (a client that does not read its answers), is closed' },
  { key: 'httpBodyBudget', flag: 'http-body-budget', kind: 'integer', arg: 'BYTES', min: 1, default: DEFAULT_HTTP_BODY_BUDGET, help: 'most bytes of request bodies the HTTP port (and the --metrics port, each its own) holds at once while they arrive, across its connections: once a body\'s next bytes would pass it, the body holding the most (the newcomer\'s too) is answered 503 with Retry-After and its connection closed, no route run' },
  { key: 'metricsMaxConnections', flag: 'metrics-max-connections', kind: 'integer', arg: 'N', min: 1, default: 64, help: 'most connections of the --metrics port at once, and of the --stats-port (each its own), closed and refused as on --http' },
  { key: 'metricsMaxConnectionsPerAddress', flag: 'metrics-max-connections-per-address', kind: 'integer', arg: 'N', min: 1, defaultText: '--metrics-max-connections less a tenth', help: 'most --metrics (and --stats-port) connections of one address (IPv6: one /64) at once; for scrapers behind one proxy set it to --metrics-max-connections' },
  { key: 'firstMessageTimeout', flag: 'first-message-timeout', kind: 'integer', arg: 'MS', max: MAX_TIMER_DELAY, default: 10_000, help: 'ms from accept within which a POS client must send its first message, else it is closed, 0 = never (terminals that connect before they have a transaction need more)' },
  { key: 'idleTimeout', flag: 'idle-timeout', kind: 'integer', arg: 'MS', max: MAX_TIMER_DELAY, default: 300_000, help: 'ms before an idle POS connection is closed, 0 = never' },
  { key: 'shutdownDeadline', flag: 'shutdown-deadline', kind: 'integer', arg: 'MS', max: MAX_REQUEST_TIMEOUT, default: 10_000, help: 'ms SIGTERM waits for in-flight work and the SAF queue (reversals and advices, sent at once)' },
  { key: 'logFile', flag: 'log-file', aliases: ['logFile'], kind: 'string', arg: 'FILE', defaultText: 'standard error', help: 'log file, reopened on SIGHUP' },
  { key: 'logLevel', flag: 'log-level', kind: 'choice', arg: 'LEVEL', choices: LEVELS, default: 'info', help: `${LEVELS.join('|')}; debug adds a line per message and HTTP request, trace the fields` },
  { key: 'logMessages', flag: 'log-messages', aliases: ['vv'], kind: 'boolean', default: false, help: 'log every message in and out at info (direction, peer, latency, fields; card data masked)' },
  ...CONSOLE_ROWS,
];

/** The keys of {@link GatewayConfig} that have a default. */
type DefaultedKey = 'listen' | 'http' | 'httpEnabled' | 'metricsHost' | 'socketqueue' | 'socketqueueAnswers' | 'clientCloseAfterReply' | 'bind' | 'dialect' | 'frame' | 'lengthIncludesHeader'
  | 'headerBytes' | 'lengthExcludesHeaderBytes' | 'tls' | 'tlsInsecure' | 'terminalQueue' | 'terminalLockConnections' | 'reversalRetryInterval' | 'safLease' | 'noSafOwnerLock' | 'noReversal' | 'transactionRetention'
  | 'noTransactionLog' | 'requestTimeout' | 'safInitialDelay' | 'safMessageInterval' | 'safMaxAttempts' | 'safMaxInFlight' | 'safMaxEntries' | 'safExpireAfter'
  | 'echoInterval' | 'reconnectDelay' | 'reconnectMaxDelay' | 'signOn' | 'upstreamStrategy' | 'maxConnections' | 'httpMaxConnections' | 'httpMaxHeldBack' | 'httpBodyBudget' | 'metricsMaxConnections' | 'firstMessageTimeout' | 'idleTimeout'
  | 'shutdownDeadline' | 'logLevel' | 'noConsole' | 'consoleSend' | 'consoleSessionLifetime' | 'consoleSecureCookie' | 'logMessages';

/** All default values, read from the rows of {@link GATEWAY_FLAGS}. */
export const GATEWAY_DEFAULTS: Readonly<Pick<GatewayConfig, DefaultedKey>> = Object.freeze(
  Object.fromEntries(GATEWAY_FLAGS.flatMap((f) => (f.default === undefined ? [] : [[f.key, f.default]]))),
) as Pick<GatewayConfig, DefaultedKey>;

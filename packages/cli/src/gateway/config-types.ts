/**
 * The gateway's configuration type: one key per command-line flag, as a JSON config file and the flags say it. Parsed
 * and checked in config.ts; the flag rows (help, limits, defaults) are in flag-rows.ts.
 */
import type { LengthHeader } from '@iso8583/codec';
import type { RouteRule } from '@iso8583/connector';
import type { GatewayUpstream } from './upstreams.js';

/** A length header name (`--frame`, `--client-frame`; the choices of `FRAME_CHOICES`). */
export type FrameName = LengthHeader;

/**
 * The gateway configuration: one key per command-line flag (the flag in camelCase), so that a JSON config file and the
 * flags say the same things. Flags win over the file.
 */
export interface GatewayConfig {
  /** The bank or switch, `HOST:PORT`. Required (or `upstreamHost` and `upstreamPort`). */
  upstream: string;
  /**
   * Several named upstreams (`--upstream NAME=HOST:PORT` repeated, or the file's `upstreams`), in failover order; when
   * given, `upstream` is the first one's address. Default: none (the one `upstream`).
   */
  upstreams?: GatewayUpstream[];
  /** How requests no route names are spread over the healthy upstreams. Default `failover`. */
  upstreamStrategy: 'failover' | 'round-robin';
  /** Routing rules (`--route PREFIX=NAME`, or the file's `routes`). Default: none. */
  routes?: RouteRule[];
  /** The bank's host, with `upstreamPort` (SocketQueue's `--upstreamHost`): the same as `upstream`. */
  upstreamHost?: string;
  /** The bank's port, with `upstreamHost` (SocketQueue's `--upstreamPort`). */
  upstreamPort?: number;
  /** The port for binary POS clients. Default 8583; 0 picks a free port. */
  listen: number;
  /**
   * The HTTP port for web clients (`POST /`, `POST /raw`; also `GET /stats` and `GET /metrics` when `metrics` is not
   * set). Default 8080; 0 picks a free port.
   */
  http: number;
  /** Serve HTTP at all. Default `true` (`--no-http` turns it off). */
  httpEnabled: boolean;
  /**
   * A separate port for `GET /metrics` and `GET /stats`, which then answer 404 on the HTTP port. Default: none
   * (served on the HTTP port).
   */
  metrics?: number;
  /** The address the metrics listener binds to. Default `127.0.0.1` (whatever `bind` is). */
  metricsHost: string;
  /**
   * A raw TCP port that writes the `GET /stats` JSON to whoever connects, then closes (SocketQueue's
   * `--statServerPort`), bound to `metricsHost`. Default: none.
   */
  statsPort?: number;
  /**
   * Answer `POST /` JSON as SocketQueue does: numeric fields as numbers, the bitmap as `"1"` (for clients that test
   * `result["39"] === 0`). Default `false`.
   */
  socketqueueAnswers: boolean;
  /**
   * SocketQueue's defaults (`SOCKETQUEUE_DEFAULTS` in socketqueue.ts: dialect `smartvista`, `frame` `ascii4`,
   * `lengthExcludesHeaderBytes`, `clientFrame` `none`, `clientHeaderBytes` 0, `clientCloseAfterReply`, no HTTP unless `http` is given, no echo test, `requestTimeout`
   * 35000, `socketqueueAnswers`, `terminalQueue`); a flag or key given wins. Set when any of SocketQueue's names is
   * used (a flag such as `--listenPort`, or a config file key such as `listenPort`). Default `false`.
   */
  socketqueue: boolean;
  /** The address the listeners bind to. Default `127.0.0.1`. */
  bind: string;
  /**
   * The address the HTTP listener binds to (`--http-bind`): its routes, `/transactions` and the console. Beyond
   * loopback without `httpToken`, the start logs `ISO8583_WARN_HTTP_OPEN`. Default: `bind`.
   */
  httpBind?: string;
  /** The dialect (built-in name or .json/.xml file) on the upstream side. Default `iso87ascii`. */
  dialect: string;
  /** The dialect spoken by POS clients. Default: the upstream dialect. */
  clientDialect?: string;
  /** The length header towards the upstream. Default `binary2`. */
  frame: FrameName;
  /** The length header of POS clients. Default: `frame`. */
  clientFrame?: FrameName;
  /** Whether the length counts the length header itself (both sides). Default `false`. */
  lengthIncludesHeader: boolean;
  /**
   * Fixed header bytes (e.g. 5 for a TPDU) towards the upstream: sent as {@link headerHex} when given, else as that many
   * zero bytes. Default 0 (with `headerHex`: its length).
   */
  headerBytes: number;
  /**
   * Whether the length leaves the `headerBytes` fixed header bytes out and counts the message only (SocketQueue's
   * `headerFormat`, e.g. `length:n:4,tpdu:b-hex:5:6000010000`), on both sides. Default `false` (`true` with
   * SocketQueue's names): the length counts the fixed header bytes and the message.
   */
  lengthExcludesHeaderBytes: boolean;
  /**
   * The fixed header sent upstream before every request, in hex (`6000010000`), at most 64 bytes; sets `headerBytes`
   * to its length (given as well, it must agree). Default: none (`headerBytes` zero bytes).
   */
  headerHex?: string;
  /** End a POS connection once its answer is written (one request per connection, as SocketQueue does). Default `false`. */
  clientCloseAfterReply: boolean;
  /**
   * The fields, comma separated (`11,41`), that match the bank's answer to its request, besides its MTI, which is always
   * part of the key (the connector's `matchKey` is `0` and these). SocketQueue's `queueMessageKeyFields`. Default
   * `11,41` (the connector's `["0", "11", "41"]`).
   */
  matchKey?: string;
  /** Fixed header bytes of POS clients. Default: `headerBytes` (0 with SocketQueue's names: its clients send bare messages). */
  clientHeaderBytes?: number;
  /** Use TLS towards the upstream. Default `false` (implied by any `tls*` file option). */
  tls: boolean;
  /** CA certificate file (PEM) that signed the upstream's certificate. Default: Node's CA store. */
  tlsCa?: string;
  /** Client certificate file (PEM) presented to the upstream. Default: none. */
  tlsCert?: string;
  /** Private key file (PEM) of `tlsCert`. Default: none. */
  tlsKey?: string;
  /** The server name expected in the upstream's certificate. Default: the upstream host. */
  tlsServername?: string;
  /** Accept an upstream certificate that does not verify (testing only). Default `false`. */
  tlsInsecure: boolean;
  /** Certificate file (PEM) of the POS listener; turns TLS on for POS clients. Default: plain TCP. */
  clientTlsCert?: string;
  /** Private key file (PEM) of `clientTlsCert`. */
  clientTlsKey?: string;
  /** CA file (PEM) that client certificates must chain to; requires client certificates. Default: none. */
  clientTlsCa?: string;
  /** One request at a time per terminal (field 41), the others queued in order. Default `false`. */
  terminalQueue: boolean;
  /**
   * With `store` and `terminalQueue`: most requests of this node holding their terminal's PostgreSQL lock (at the bank)
   * at once, each on a connection of its own (the connector's `terminalQueue.lockConnections`). Default 20.
   */
  terminalLockConnections?: number;
  /** Directory of the durable reversal journal. Default: `defaultJournalDir("upstream")` (`$XDG_STATE_HOME/iso8583/upstream`, else `~/.local/state/iso8583/upstream`). */
  reversalJournal?: string;
  /** Milliseconds between attempts of a SAF entry (reversal or advice) that is not answered. Default 10000. */
  reversalRetryInterval: number;
  /**
   * Where reversals are kept when several gateway nodes share them: `postgresql://USER[:PASSWORD]@HOST:PORT/DB` (the
   * password is never logged). Default: the file journal of `reversalJournal`.
   */
  store?: string;
  /** With a PostgreSQL `store`: milliseconds a node holds a SAF entry without renewing its lease. Default 30000. */
  safLease: number;
  /**
   * With a PostgreSQL `store`: hold no owner lock (behind a relay that pools connections by transaction); the reversals
   * of a node killed then wait for its lease instead of being claimed at once. Default `false` (the owner lock held).
   */
  noSafOwnerLock: boolean;
  /** Turn automatic reversal, and with it the SAF queue, off. Default `false` (reversal and SAF on). */
  noReversal: boolean;
  /**
   * Days the transaction log keeps (whole UTC days; older files are deleted at start and daily); 0 keeps everything.
   * The log is in the `reversalJournal` folder. Default 30.
   */
  transactionRetention: number;
  /** Keep no transaction log. Default `false` (every request recorded with its outcome). */
  noTransactionLog: boolean;
  /** Milliseconds from a SAF entry's journaling to its first attempt. Default 0. */
  safInitialDelay: number;
  /** Least milliseconds between two SAF attempts leaving for an upstream. Default 0. */
  safMessageInterval: number;
  /** Attempts of a SAF entry before it is abandoned; 0 = until answered or expired. Default 0. */
  safMaxAttempts: number;
  /**
   * Most SAF attempts in flight at once to an upstream, of any entries (from due until answered or failed): a backlog
   * (a restart after a long outage of the bank) is sent at this pace (the connector's `saf.maxInFlight`). Default 64.
   */
  safMaxInFlight: number;
  /**
   * Most SAF entries not yet ended per upstream (the connector's `saf.maxEntries`): an advice stored with `saf` beyond
   * it is refused before it is journaled (`ISO8583_ERR_CONNECTOR_SAF_FULL`: 503, a terminal gets 91); the gateway's own
   * reversals are never refused. 0 = no limit. Default 100000.
   */
  safMaxEntries: number;
  /** Milliseconds after its journaling at which an unanswered SAF entry expires; 0 = never. Default 0. */
  safExpireAfter: number;
  /** Response codes (comma-separated) that end a SAF entry besides the dialect's approval codes. Default: any answer ends it. */
  safEndCodes?: string;
  /** Milliseconds to wait for the upstream's answer; also how long an HTTP client may take to send its request (then 408). Default 30000. */
  requestTimeout: number;
  /** Milliseconds between echo tests (0800/301) on an idle upstream link; 0 turns them off. Default 60000. */
  echoInterval: number;
  /** Milliseconds before the first try to reconnect an upstream link, doubled per failure up to `reconnectMaxDelay`. Default 100. */
  reconnectDelay: number;
  /** Longest milliseconds between tries to reconnect an upstream link; at least `reconnectDelay`. Default 30000. */
  reconnectMaxDelay: number;
  /** Sign on (0800/001) when the upstream link opens and off when it closes. Default `false`. */
  signOn: boolean;
  /** Most POS connections at once. Default 1000. */
  maxConnections: number;
  /**
   * Most requests each upstream link accepts at once (queued or at the bank); one more is answered 91, never sent
   * (`ISO8583_ERR_CONNECTOR_IN_FLIGHT_LIMIT`). Default: what the listeners admit, 64 per POS connection and 32 per HTTP
   * connection (`defaultMaxInFlight`: 96000 at the defaults); each request is bounded in time by `requestTimeout`.
   */
  maxInFlight?: number;
  /**
   * Most POS connections of one address (IPv6: one /64) at once (`ISO8583_ERR_INBOUND_TOO_MANY_FROM_ADDRESS` beyond).
   * Default: `maxConnections` less a tenth (900 of 1000): terminals behind one NAT may hold nine slots in ten.
   */
  maxConnectionsPerAddress?: number;
  /**
   * Most connections of the HTTP port at once: for a new one the oldest without a request in progress is closed, and
   * only when every one is mid-request is the new one refused (503 `ISO8583_ERR_CONSOLE_TOO_MANY_CONNECTIONS`).
   * Default 1000.
   */
  httpMaxConnections: number;
  /**
   * Most connections of the HTTP port from one address (IPv6: one /64) at once (503
   * `ISO8583_ERR_CONSOLE_TOO_MANY_FROM_ADDRESS` beyond). Default: `httpMaxConnections` less a tenth (900 of 1000).
   */
  httpMaxConnectionsPerAddress?: number;
  /**
   * Most pipelined requests the HTTP port holds back at once, across all its connections (parsed, waiting for an
   * earlier request of their connection to be answered): beyond it the connection holding the most, with every
   * request at the routes answered (a client that does not read its answers), is closed (http/held-budget.ts).
   * Default 16384.
   */
  httpMaxHeldBack: number;
  /**
   * Most bytes of request bodies the HTTP port holds at once while they arrive, across all its connections, and the
   * `metrics` port its own (http/body-budget.ts): once a body's next bytes would pass it, the body holding the most (the
   * newcomer's too) is answered 503 `ISO8583_ERR_CONSOLE_BODY_BUDGET` with `Retry-After`, its connection closed.
   * Default 33554432 (32 MiB).
   */
  httpBodyBudget: number;
  /** Most connections of the `metrics` port at once, and of the `statsPort` (each its own), as on HTTP. Default 64. */
  metricsMaxConnections: number;
  /** The same from one address (IPv6: one /64). Default: `metricsMaxConnections` less a tenth (58 of 64). */
  metricsMaxConnectionsPerAddress?: number;
  /**
   * Milliseconds from accept within which a POS client must send its first complete message, else its connection is
   * closed (`ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT`); 0 = never. Default 10000.
   */
  firstMessageTimeout: number;
  /** Milliseconds a POS connection may stay idle before it is closed; 0 never. Default 300000. */
  idleTimeout: number;
  /** Milliseconds SIGTERM/SIGINT waits for in-flight work and the SAF queue (reversals and advices) before exiting. Default 10000. */
  shutdownDeadline: number;
  /** Log file (JSON lines, reopened on SIGHUP). Default: standard error. */
  logFile?: string;
  /** The pino log level. Default `info`. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** No operator console at `/console` on the HTTP port. Default `false` (the console is on). */
  noConsole: boolean;
  /** The console's workbench may send composed messages upstream. Default `false` (403). */
  consoleSend: boolean;
  /** Every HTTP route asks for this token (`Authorization: Bearer`, or the console's sign-in). Default: none asked. */
  httpToken?: string;
  /** A file whose first line is the HTTP token (instead of `httpToken`). Default: none. */
  httpTokenFile?: string;
  /** Minutes a console sign-in lasts (with a token), then the page asks for it again. Default 480 (8 hours). */
  consoleSessionLifetime: number;
  /**
   * Mark the console's session cookie `Secure`: browsers reach the HTTP port through a TLS-terminating proxy
   * (`X-Forwarded-Proto` is never trusted for it). Default `false`.
   */
  consoleSecureCookie: boolean;
  /**
   * The TLS proxies in front of the HTTP port, comma-separated addresses or `ADDRESS/PREFIX` (http/trusted-proxies.ts):
   * the wrong tokens of a request from one are counted by the client its `X-Forwarded-For` names. Default: none.
   */
  httpTrustedProxy?: string;
  /**
   * Log every message in and out (POS side and upstream side) at `info`: direction, peer, latency and the fields,
   * card data masked as `describe()` masks it. Default `false` (at `debug` a line per message, at `trace` its fields).
   */
  logMessages: boolean;
}

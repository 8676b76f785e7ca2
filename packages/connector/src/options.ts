/**
 * The connector's options: their TypeScript shape as given (`ConnectorOptions`, one interface per group) and as
 * resolved (`ResolvedConnectorOptions`, every default filled in). Their check and defaults: validate-options.ts; the
 * `tls` group and its check: tls-options.ts.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Dialect, IsoMessage, LengthHeader } from '@iso8583/codec';
import type { ReversalJournal } from './journal.js';
import type { ResolvedSafOptions, SafOptions } from './saf-options.js';
import type { ConnectorTlsOptions } from './tls-options.js';
import type { TransactionLog } from './transaction-log.js';

export type { ResolvedSafOptions, SafOptions } from './saf-options.js';
export type { ConnectorTlsOptions } from './tls-options.js';

/** The connection pool (generic-pool). */
export interface ConnectorPoolOptions {
  /** Connections kept open: a whole number, 0 to 1000 (and not above `max`). Default 1. */
  min?: number;
  /** Most connections open at once: a whole number, 1 to 1000. Default 1. */
  max?: number;
  /**
   * Milliseconds after which a connection unused beyond `min` is closed; at most 2147483647 (`MAX_TIMER_DELAY`).
   * Default 30000.
   */
  idleTimeout?: number;
  /** Milliseconds a request waits for a connection; at most 2147483647 (`MAX_TIMER_DELAY`). Default 10000. */
  acquireTimeout?: number;
}

/** Per-terminal queueing (SocketQueue's TID queue): one request per field 41 in flight, the rest wait in order. */
export interface TerminalQueueOptions {
  /** Whether requests of the same terminal (field 41) are sent one at a time. Default `false`. */
  enabled?: boolean;
  /**
   * Most requests waiting per terminal; more are refused with `ISO8583_ERR_CONNECTOR_QUEUE_FULL`. A whole number, 1 to
   * 2147483647. Default 100.
   */
  maxQueued?: number;
  /**
   * Milliseconds a request may wait in its terminal's queue; at most 3600000 (`MAX_REQUEST_TIMEOUT`). A request's own
   * `timeout` (send options) bounds its wait when shorter. Default 30000.
   */
  timeout?: number;
  /**
   * With a PostgreSQL `store`: most requests of this node holding their terminal's lock at once, i.e. at the bank at
   * once (the connections of the lock's pool, each a backend counted against the database's `max_connections`; one
   * pool per connector, an upstream group's shared by its upstreams). A request past it waits for a connection,
   * within `timeout`. A whole number, 1 to 10000 (`MAX_TERMINAL_LOCK_CONNECTIONS`). Default 20
   * (`DEFAULT_TERMINAL_LOCK_CONNECTIONS`).
   */
  lockConnections?: number;
}

/** Automatic reversal of 0100 / 0200 requests (and their repeats 0101 / 0201) whose outcome is unknown. */
export interface ReversalOptions {
  /** Whether unknown outcomes are reversed. Default `false`. */
  enabled?: boolean;
  /**
   * The reversal MTI, `0400` or `0420`; repeats are sent as `0401` / `0421`. With an ISO 8583:1993 dialect the
   * version digit follows the dialect (`1400` / `1420`, repeats `1401` / `1421`). Default `0400`.
   */
  mti?: '0400' | '0420';
  /**
   * The folder of the append-only reversal journal (locked by one process at a time). Required when `enabled`, unless
   * `journal` is given. The `iso8583` command defaults it to a state folder (see docs/operations.md).
   */
  journalDir?: string;
  /**
   * The fields of the original copied into its reversal, and so into the journal on disk (an allow-list; the MTI and
   * field 90 are always there). Field numbers `"2"` to `"128"`; 35, 36, 45, 52 and 55 are refused (sensitive
   * authentication data); 11 and 41 must be named (the STAN and terminal a reversal is matched to its answer by, and
   * its transaction held by). Default {@link REVERSAL_FIELDS}: 2, 3, 4, 7, 11, 12, 13, 22, 32, 37, 41, 42, 49, 90, 95.
   */
  fields?: string[];
  /** The journal itself, instead of a `FileJournal` in `journalDir` (e.g. one with other sizes). Runtime only. Default: none. */
  journal?: ReversalJournal;
  /** The same as `saf.retryInterval` (give one of the two): milliseconds between attempts. Default 10000. */
  retryInterval?: number;
  /**
   * The same as `saf.maxAttempts` (give one of the two): attempts before an entry is abandoned; 0 = until answered. A
   * whole number, 0 to 2147483647. Default 0.
   */
  maxAttempts?: number;
}

/** Fields the connector fills in when a request lacks them. */
export interface AutoFillOptions {
  /** Fill field 11 (STAN) from the connector's counter. Default `false`. */
  stan?: boolean;
  /** Fill field 7 (transmission date and time, MMDDhhmmss UTC). Default `false`. */
  transmissionTime?: boolean;
}

/** Reconnection with jittered exponential backoff. */
export interface ReconnectOptions {
  /**
   * Milliseconds before the first retry, from 1 (0 is refused, `ISO8583_ERR_CONNECTOR_OPTIONS`: a host that refuses
   * would be retried in a tight loop) to 2147483647 (`MAX_TIMER_DELAY`); each failure in a row doubles it. Default 100.
   */
  initialDelay?: number;
  /** Longest delay between retries, in milliseconds, from 1 to 2147483647 (`MAX_TIMER_DELAY`). Default 30000. */
  maxDelay?: number;
}

/** What an unsolicited-message handler learns about the message. */
export interface UnsolicitedInfo {
  /** The connector's name. */
  connector: string;
  /** The id of the connection it came on. */
  channel: number;
  /** The fixed header bytes of its frame. */
  header: Buffer;
}

/**
 * Called with a message that matches no pending request, or a host-initiated request other than 0800. May return
 * (or resolve to) a reply message to send back on the same connection.
 */
export type UnsolicitedHandler = (
  message: IsoMessage,
  info: UnsolicitedInfo,
) => IsoMessage | undefined | void | Promise<IsoMessage | undefined | void>;

/** Options of {@link createConnector}. Validated against the `init` schema of `connector-manifest.json`. */
export interface ConnectorOptions {
  /** The connector's name (key in `app.iso8583`, label of logs and metrics). Default `default`. */
  name?: string;
  /** Host name or IP address of the bank or switch. Required. */
  host: string;
  /** TCP port of the host. Required. */
  port: number;
  /** A built-in dialect name, a `.json` / `.xml` dialect file path, or a dialect object. Default `iso87ascii`. */
  dialect?: string | Dialect;
  /** The length header in front of each message. Default `binary2`. */
  frame?: LengthHeader;
  /** Whether the length header counts itself. Default `false`. */
  lengthIncludesHeader?: boolean;
  /** Fixed header bytes after the length header (5 for a TPDU). Default 0. */
  headerBytes?: number;
  /**
   * Whether the length leaves the `headerBytes` fixed header bytes out and counts the message only (SocketQueue's
   * `headerFormat`). Default `false`: the length counts the fixed header bytes and the message.
   */
  lengthExcludesHeaderBytes?: boolean;
  /** The fixed header sent with every request, in hex; `headerBytes` long. Default: `headerBytes` zero bytes. */
  header?: string;
  /**
   * Largest frame sent or accepted (length header excluded). A length header from the host announcing more drops the
   * connection at once: its pending requests fail with `ISO8583_ERR_CONNECTOR_CONNECTION_LOST` and the connector
   * reconnects. Default 65535.
   */
  maxFrameSize?: number;
  /** TLS settings; their presence enables TLS. Default: plain TCP. */
  tls?: ConnectorTlsOptions;
  /** Milliseconds allowed to connect (TCP and TLS handshake); at most 2147483647 (`MAX_TIMER_DELAY`). Default 5000. */
  connectTimeout?: number;
  /**
   * Milliseconds to wait for a response (overridable per request); at most 3600000 (`MAX_REQUEST_TIMEOUT`).
   * Default 30000.
   */
  requestTimeout?: number;
  /**
   * Milliseconds within which a frame the host has started (its first bytes read) must arrive whole; past it the
   * connection is dropped: its pending requests fail with `ISO8583_ERR_CONNECTOR_CONNECTION_LOST` (so unknown outcomes
   * are reversed) and the connector reconnects. A bogus length header (the host announcing more bytes than it sends)
   * would otherwise swallow every later response on the connection. 0 = never; at most 2147483647 (`MAX_TIMER_DELAY`).
   * Default 10000 (below the default `requestTimeout`, so that a wedged connection is replaced before requests time
   * out).
   */
  readTimeout?: number;
  /** The connection pool. */
  pool?: ConnectorPoolOptions;
  /** `multiplex` (many requests interleaved per connection) or `exclusive` (one at a time). Default `multiplex`. */
  mode?: 'multiplex' | 'exclusive';
  /**
   * The fields that match a response to its request; `"0"` = the response MTI. Each field once, fields of the dialect,
   * never 38 or 39 (only a response carries them), never a field of card data (2, 34, 35, 36, 45, 52, 53, 55 or one the
   * dialect marks sensitive: a key is kept after its request ends). Without `"0"`, only a message of the request's
   * response MTI answers it (an 0810 under a 0200's STAN and terminal is unsolicited). Default `["0", "11", "41"]`.
   */
  matchKey?: string[];
  /**
   * Most requests accepted and not yet settled (queued or awaiting a response); more are refused. A whole number, 1 to
   * 2147483647. Default 1000.
   */
  maxInFlight?: number;
  /**
   * Milliseconds with nothing received before an echo test (0800, field 70 = 301); requests written do not count, so
   * a host that takes requests and answers none is tested under traffic too; an unanswered echo closes the
   * connection, and each new connection then answers an echo before it is used (without `signOn`); 0 = off; at most
   * 2147483647 (`MAX_TIMER_DELAY`). Default 0.
   */
  echoInterval?: number;
  /** Sign on (0800, field 70 = 001; 1804, field 24 = 801 with a 1993 dialect) on every new connection. Default `false`. */
  signOn?: boolean;
  /** Sign off (0800, field 70 = 002; 1804, field 24 = 802 with a 1993 dialect) before closing each connection. Default `false`. */
  signOff?: boolean;
  /** Per-terminal queueing. Default: off. */
  terminalQueue?: TerminalQueueOptions;
  /** Automatic reversal. Default: off. */
  reversal?: ReversalOptions;
  /** The store-and-forward queue (reversals and advices). Default: on with `reversal.enabled`, else off. */
  saf?: SafOptions;
  /**
   * Where reversals are kept (the SAF queue): a `postgresql://USER[:PASSWORD]@HOST:PORT/DB` URL (a database that several
   * nodes share, with leases: `PgJournal`; the password is never logged), or a {@link ReversalJournal}. Takes the place of
   * `reversal.journalDir` (and `reversal.journal`). With `terminalQueue` on and a URL, one request at a time per
   * terminal holds across every node on the database. Default: the file journal of `reversal.journalDir`.
   */
  store?: string | ReversalJournal;
  /**
   * With a PostgreSQL `store`: milliseconds a node holds a SAF entry without renewing its lease, from 100 to
   * 2147483647. Leases are renewed, and the entries of dead nodes claimed, every third of it. Default 30000.
   */
  safLease?: number;
  /**
   * With a PostgreSQL `store`: whether this node holds an owner lock (a session advisory lock on a connection of its
   * own) while it runs, and claims at once the SAF entries of a node whose lock's session ended (a node killed)
   * instead of once their lease ends. Turn it off behind a relay that pools connections by transaction (pgbouncer's
   * `pool_mode = transaction`): the lease alone then counts. Off, a start at another bank (`host`, `port`) does not
   * see this node running: it takes over a store key of this node that owes nothing (one with pending entries is still
   * refused), and this node stops claiming, sending and adding that key's entries at its next lease renewal
   * (`ISO8583_ERR_CONNECTOR_STORE_OTHER_BANK`). Default true.
   */
  safOwnerLock?: boolean;
  /**
   * With a PostgreSQL `store`: the keys of this connector's SAF entries on the shared database (each upstream's
   * entries are kept apart by key, so every node must give the same upstream the same key). Entries are stored under
   * the first; the entries of every key are taken over once their lease ends and sent to this connector's upstream
   * (the others are keys an earlier configuration stored this upstream's entries under). A key (or the `name` in
   * their place) holding a NUL or a lone surrogate is refused (`ISO8583_ERR_CONNECTOR_OPTIONS`, field `storeKeys.I` or
   * `name`): the store cannot hold it as given. Default: `[name]`.
   */
  storeKeys?: readonly string[];
  /** Fields filled in when absent. Default: none. */
  autoFill?: AutoFillOptions;
  /** Reconnection backoff. */
  reconnect?: ReconnectOptions;
  /** A pino logger; each connection logs through a child. Default: a silent logger. */
  logger?: Logger;
  /** Handler of unmatched messages and host-initiated requests. Default: none (logged, emitted as `unsolicited`). */
  onUnsolicited?: UnsolicitedHandler;
  /**
   * Called once by the start (`connect()`, `started()`, the Fastify plugin's `onReady`), after the journal is opened
   * (its lock held) and read and the transaction log opened, before any connection opens or any entry the journal owes
   * is sent. A throw (or a rejection) fails the start with that error: `started()` and `connect()` reject with it and
   * nothing is connected or sent (destroy or close the connector then). A `close()` or `destroy()` asked while it has
   * not settled ends the wait for it: the start ends unstarted and the stop releases the journal's lock (a hook that
   * never settles cannot hold the stop). E.g. to check, under the journal's lock, that
   * the entries it owes belong to this host (the gateway and `run` check their journal folder's recorded upstream).
   * Runtime only. Default: none.
   */
  beforeConnect?: () => void | Promise<void>;
  /** The prom-client Registry for the metrics. Default: a Registry of the connector's own, made when first read. */
  registry?: Registry;
  /**
   * Where every request is recorded once with its outcome (transaction-log.ts): a {@link TransactionLog} (opened by
   * the connector on start, `open` being idempotent so that several connectors may share one; closed by whoever made
   * it), or `false` for none. Default: a `FileTransactionLog` in `reversal.journalDir` when reversal is on with a
   * journal folder (made, opened and closed by the connector), else none. Runtime only.
   */
  transactionLog?: TransactionLog | false;
  /** The node name in the transaction records. Default: the host name and the pid (`host:4242`). */
  node?: string;
}

/** The options after validation, every default filled in; frozen. */
export interface ResolvedConnectorOptions {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly dialect: string | Dialect;
  readonly frame: LengthHeader;
  readonly lengthIncludesHeader: boolean;
  readonly headerBytes: number;
  readonly lengthExcludesHeaderBytes: boolean;
  readonly header: Buffer;
  readonly maxFrameSize: number;
  readonly tls: Readonly<ConnectorTlsOptions> | undefined;
  readonly connectTimeout: number;
  readonly requestTimeout: number;
  readonly readTimeout: number;
  readonly pool: Readonly<Required<ConnectorPoolOptions>>;
  readonly mode: 'multiplex' | 'exclusive';
  readonly matchKey: readonly string[];
  readonly maxInFlight: number;
  readonly echoInterval: number;
  readonly signOn: boolean;
  readonly signOff: boolean;
  readonly terminalQueue: Readonly<Required<TerminalQueueOptions>>;
  readonly reversal: Readonly<
    Required<Omit<ReversalOptions, 'journalDir' | 'journal' | 'fields'>> & {
      journalDir: string | undefined;
      journal: ReversalJournal | undefined;
      fields: readonly string[];
    }
  >;
  readonly saf: ResolvedSafOptions;
  readonly store: string | ReversalJournal | undefined;
  readonly safLease: number;
  readonly safOwnerLock: boolean;
  readonly storeKeys: readonly string[];
  readonly autoFill: Readonly<Required<AutoFillOptions>>;
  readonly reconnect: Readonly<Required<ReconnectOptions>>;
  readonly logger: Logger | undefined;
  readonly onUnsolicited: UnsolicitedHandler | undefined;
  readonly beforeConnect: (() => void | Promise<void>) | undefined;
  readonly registry: Registry | undefined;
  readonly transactionLog: TransactionLog | false | undefined;
  readonly node: string | undefined;
}

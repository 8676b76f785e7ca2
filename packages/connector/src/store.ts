/**
 * Choosing the store: what must survive a crash (the SAF queue of reversals, and the transaction log) lives either in
 * a folder of files (the embedded default, one process) or in a PostgreSQL database that several nodes share
 * (`postgresql://USER@HOST:PORT/DB`). `openStore` makes the parts for one connector (one upstream).
 */
import type { Logger } from 'pino';
import { connectorError } from './errors.js';
import { hostPort } from './host-port.js';
import { FileJournal } from './journal.js';
import type { ReversalJournal } from './journal.js';
import { PgJournal } from './pg/journal.js';
import { PgTerminalLock } from './pg/terminal-lock.js';
import { isPostgresUrl, maskUrl } from './pg/pool.js';
import type { TerminalLock } from './terminal-queue.js';
import type { TransactionLog } from './transaction-log.js';
import type { ResolvedConnectorOptions } from './options.js';

/** What {@link openStore} makes the store from. */
export interface StoreSpec {
  /** A `postgresql://` connection string, or a folder for the file store. */
  store: string;
  /** The upstream (connector name) whose SAF entries these are. Default `''`. */
  upstream?: string;
  /**
   * Other keys this upstream's SAF entries were stored under (PostgreSQL only): taken over too, and sent to this
   * upstream. Default: none.
   */
  formerUpstreams?: readonly string[];
  /**
   * The upstream (`host:port`) the SAF entries are sent to (PostgreSQL only): recorded per key at open, a start over
   * keys still owing another upstream refused (`PgJournal`'s `address`). Default: none (not recorded nor checked).
   */
  address?: string;
  /** Milliseconds a node holds SAF entries without renewing its lease (PostgreSQL only). Default 30000. */
  safLease?: number;
  /**
   * Whether the PostgreSQL journal holds an owner lock and claims at once the entries of a node whose lock's session
   * ended (PostgreSQL only; `PgJournal`'s `ownerLock`). Default true.
   */
  ownerLock?: boolean;
  /**
   * Milliseconds a request waits for its terminal across nodes, when `terminalQueue` is on (PostgreSQL only); 0 or
   * absent: no cross-node terminal lock is made. Default: none.
   */
  terminalLockTimeout?: number;
  /** Most requests holding a terminal lock at once (connections of its pool), with `terminalLockTimeout`. Default 20. */
  terminalLockConnections?: number;
  /** Where the store logs. Default: silent. */
  logger?: Logger;
}

/** The parts of a store for one connector. */
export interface Store {
  /** `file` or `postgresql`. */
  readonly kind: 'file' | 'postgresql';
  /** Where it is, for logs (a URL with its password masked, or the folder). */
  readonly where: string;
  /** The SAF queue (reversals). */
  readonly journal: ReversalJournal;
  /** The transaction log, where the store has one. Default: none (made by the transaction log's own factory). */
  readonly transactionLog?: TransactionLog;
  /** One request at a time per terminal across nodes (PostgreSQL, with `terminalLockTimeout`). */
  readonly terminalLock?: TerminalLock;
}

/**
 * The store of `spec.store`: a PostgreSQL one for a `postgresql://` (or `postgres://`) URL, else the file store in that
 * folder. Nothing is opened yet (the journal's `open` connects, migrates and locks). Throws
 * `ISO8583_ERR_CONNECTOR_OPTIONS` naming `store` for an empty string.
 */
export function openStore(spec: StoreSpec): Store {
  if (typeof spec.store !== 'string' || spec.store === '') {
    throw connectorError('ISO8583_ERR_CONNECTOR_OPTIONS', 'must be a postgresql:// URL or a folder', { field: 'store' });
  }
  if (isPostgresUrl(spec.store)) {
    const options = {
      url: spec.store,
      upstream: spec.upstream ?? '',
      ...(spec.formerUpstreams === undefined ? {} : { formerUpstreams: spec.formerUpstreams }),
      ...(spec.address === undefined ? {} : { address: spec.address }),
      ...(spec.safLease === undefined ? {} : { lease: spec.safLease }),
      ...(spec.ownerLock === undefined ? {} : { ownerLock: spec.ownerLock }),
      ...(spec.logger === undefined ? {} : { logger: spec.logger }),
    };
    const lock =
      spec.terminalLockTimeout !== undefined && spec.terminalLockTimeout > 0
        ? new PgTerminalLock({
            url: spec.store,
            waitTimeout: spec.terminalLockTimeout,
            ...(spec.terminalLockConnections === undefined ? {} : { max: spec.terminalLockConnections }),
            ...(spec.logger === undefined ? {} : { logger: spec.logger }),
          })
        : undefined;
    return { kind: 'postgresql', where: maskUrl(spec.store), journal: new PgJournal(options), ...(lock === undefined ? {} : { terminalLock: lock }) };
  }
  return {
    kind: 'file',
    where: spec.store,
    journal: new FileJournal(spec.store, spec.logger === undefined ? {} : { logger: spec.logger }),
  };
}

/**
 * The entries no node takes that `journal` reports: a PostgreSQL journal's `strandedEntries` while it is the one of its
 * store's journals in this process that reports them (`reportsStranded`), else 0; so that a sum over the connectors of
 * a process counts each store once (every node of the store reports it: across nodes, its maximum is the figure).
 */
export function reportedStranded(journal: ReversalJournal | undefined): number {
  return journal instanceof PgJournal && journal.reportsStranded ? journal.strandedEntries.entries : 0;
}

/** How many of `journal`'s store keys are recorded for another bank: a PostgreSQL journal's `keysAtOtherBank`, else 0. */
export function keysAtOtherBank(journal: ReversalJournal | undefined): number {
  return journal instanceof PgJournal ? journal.keysAtOtherBank.length : 0;
}

/**
 * A connector's journal and terminal lock, from its options: `store` (a journal, or a URL: the PostgreSQL store, with
 * a terminal lock when `terminalQueue` is on), else `reversal.journal`, else a `FileJournal` in `reversal.journalDir`.
 * The journal is `undefined` when none is configured.
 */
export function connectorStore(
  o: ResolvedConnectorOptions,
  logger: Logger,
): { journal: ReversalJournal | undefined; terminalLock: TerminalLock | undefined } {
  if (typeof o.store === 'object') return { journal: o.store, terminalLock: undefined };
  if (typeof o.store === 'string') {
    const store = openStore({
      store: o.store,
      upstream: o.storeKeys[0] ?? o.name,
      formerUpstreams: o.storeKeys.slice(1),
      address: hostPort(o.host, o.port),
      safLease: o.safLease,
      ownerLock: o.safOwnerLock,
      ...(o.terminalQueue.enabled ? { terminalLockTimeout: o.terminalQueue.timeout, terminalLockConnections: o.terminalQueue.lockConnections } : {}),
      logger,
    });
    return { journal: store.journal, terminalLock: store.terminalLock };
  }
  const dir = o.saf.journalDir;
  return { journal: o.saf.journal ?? (dir === undefined ? undefined : new FileJournal(dir, { logger })), terminalLock: undefined };
}

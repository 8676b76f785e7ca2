/**
 * How the PgTransactionLog tests stand up their parts: one PostgreSQL cluster for the test file, a database per name
 * (made on first use), a log over it, and an `admin` connection that reads (and holds) the table behind the log's
 * back. `withLog` opens both, runs the test's body, then ends the admin connection and closes the log, whatever happened.
 */
import pg from 'pg';
import { sharedPostgres, startPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTransactionLog } from '../../src/index.js';
import type { PgTransactionLogOptions } from '../../src/index.js';

/** What a test body gets from {@link PgLogDatabases.withLog}. */
export interface OpenedPgLog {
  /** The log, opened (its schema migrated). */
  log: PgTransactionLog;
  /** A connection of its own to the same database. */
  admin: pg.Client;
  /** The database's connection string. */
  url: string;
}

/** Options of a log made by the helper: everything but where it connects. */
export type PgLogOptions = Omit<PgTransactionLogOptions, 'connectionString' | 'pool'>;

/** One cluster, its databases by name, and logs over them. */
export class PgLogDatabases {
  private started: PostgresCluster | undefined;
  private readonly urls = new Map<string, string>();

  /**
   * `shared`: the databases are made on the test process's shared server (`sharedPostgres`), not on a cluster of the
   * file's own, for a file that neither stops the server nor makes roles (server-wide). Default false.
   */
  constructor(private readonly options: { shared?: boolean } = {}) {}

  /** Starts the cluster, or takes the shared server (in `before`). */
  async start(): Promise<void> {
    // own cluster: unless `shared`, for the files that stop the server or make roles.
    this.started = this.options.shared === true ? await sharedPostgres() : await startPostgres();
  }

  /** Stops the cluster and removes it, or drops the file's databases on the shared server (in `after`). */
  destroy(): void {
    this.started?.destroy();
  }

  /** The cluster (to stop and start its server). */
  get cluster(): PostgresCluster {
    if (this.started === undefined) throw new Error('the cluster is not started: call start() in before()');
    return this.started;
  }

  /** The connection string of the database named `name`, created on first use. */
  database(name: string): string {
    let url = this.urls.get(name);
    if (url === undefined) {
      url = this.cluster.createDatabase(name);
      this.urls.set(name, url);
    }
    return url;
  }

  /** A new log (not opened) over the database named `name`. */
  makeLog(name: string, options: PgLogOptions = {}): PgTransactionLog {
    return new PgTransactionLog({ connectionString: this.database(name), ...options });
  }

  /** Opens a log over `name` and an admin connection, runs `body`, then ends the connection and closes the log. */
  async withLog(name: string, options: PgLogOptions, body: (opened: OpenedPgLog) => Promise<void>): Promise<void> {
    const url = this.database(name);
    const log = this.makeLog(name, options);
    const admin = new pg.Client({ connectionString: url });
    try {
      await log.open();
      await admin.connect();
      await body({ log, admin, url });
    } finally {
      await admin.end().catch(() => undefined);
      await log.close();
    }
  }
}

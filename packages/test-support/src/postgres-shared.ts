/**
 * One PostgreSQL server for a whole test process, for the test files that need only databases of their own on it.
 * scripts/test.mjs runs a group of test files one after another in one process, and starting a cluster (a copy of the
 * template, `pg_ctl start`, and its stop) costs a file about 1.5 s of wall time: a file that neither stops the server
 * nor looks at what other databases of it hold takes {@link sharedPostgres} instead of {@link startPostgres}.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { postgresBinDir, startPostgres } from './postgres.js';
import type { PostgresCluster } from './postgres.js';

/** The process's server, started by the first {@link sharedPostgres} call (stopped when the process exits). */
let server: Promise<PostgresCluster> | undefined;

/** Every database name made on the process's server: a name another file took is not made again. */
const taken = new Set<string>();

/** Drops `names` on `cluster` (their sessions ended first: `WITH (FORCE)`), in one `psql` run. */
function dropDatabases(cluster: PostgresCluster, names: readonly string[]): void {
  if (names.length === 0) return;
  const bin = postgresBinDir();
  const psql = bin === undefined ? 'psql' : join(bin, 'psql');
  const drops = names.flatMap((name) => ['-c', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]);
  try {
    execFileSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', cluster.url, ...drops], { stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`dropping the test databases ${names.join(', ')} failed: ${e.stderr ?? ''}${e.message}`, { cause: err });
  }
}

/**
 * A view of the one PostgreSQL server of this process (started at the first call, from the same template as
 * {@link startPostgres}; stopped, and its folder removed, when the process exits). `createDatabase(name)` makes a
 * database no other view of the process made: a name taken already gets a suffix (`name_2`, `name_3`, ...), so use
 * the connection string it returns, never the name. `destroy()` (in the file's `after`) drops the databases this view
 * made, their sessions ended, and leaves the server running for the next file. The files of a process run one after
 * another, but a file that timed out or failed may leave pools open into the next: a test that reads the server-wide
 * views (`pg_locks`, `pg_stat_activity`) filters them on its own database (`current_database()`). `stopServer` and
 * `startServer` throw: a file that stops the server, or makes roles (they outlive its databases), takes a cluster of
 * its own ({@link startPostgres}).
 */
export async function sharedPostgres(): Promise<PostgresCluster> {
  server ??= startPostgres().catch((err: unknown) => {
    server = undefined; // the next file tries again
    throw err;
  });
  const cluster = await server;
  const mine: string[] = [];
  const own = (what: string): never => {
    throw new Error(`${what}: the shared PostgreSQL server serves other test files: take a cluster of your own (startPostgres)`);
  };
  return {
    url: cluster.url,
    port: cluster.port,
    createDatabase(name: string): string {
      let unique = name;
      for (let n = 2; taken.has(unique); n++) unique = `${name}_${n}`;
      const url = cluster.createDatabase(unique);
      taken.add(unique);
      mine.push(unique);
      return url;
    },
    stopServer: () => own('stopServer'),
    startServer: () => own('startServer'),
    destroy(): void {
      dropDatabases(cluster, mine.splice(0));
    },
  };
}

/**
 * A real PostgreSQL server for the tests, made on the spot: its own cluster in a temporary folder (made by `initdb`, or
 * in a whole test run a copy of a template cluster `initdb` made once in the run's folder; run as the `postgres` user
 * when the tests run as root, since initdb refuses root),
 * started with `pg_ctl` on a reserved port of 127.0.0.1 (see port-reservation.ts: kept while the server is down, so that
 * a restart finds it free) with trust authentication, and removed afterwards. No server needs to be running on the machine; only
 * the binaries (Debian's `postgresql` package; `.ci/run` installs it when missing). The server can be stopped and
 * started again on the same port and data, for tests of a database outage.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reservePort } from './port-reservation.js';
import type { PortReservation } from './port-reservation.js';

/** A running test cluster. */
export interface PostgresCluster {
  /** A connection string for the cluster's `postgres` database (`postgresql://iso8583@127.0.0.1:PORT/postgres`). */
  url: string;
  /** The TCP port it listens on (127.0.0.1). */
  port: number;
  /** Creates a database and returns its connection string (each test can have its own). */
  createDatabase(name: string): string;
  /** Stops the server (fast shutdown), keeping its data: for database-outage tests. */
  stopServer(): void;
  /** Starts the server again on the same port and data. */
  startServer(): void;
  /** Stops the server and removes the cluster's folder. */
  destroy(): void;
}

/** The folder of the PostgreSQL binaries: `$PG_BIN`, else the newest `/usr/lib/postgresql/N/bin`, else the PATH. */
export function postgresBinDir(): string | undefined {
  if (process.env['PG_BIN']) return process.env['PG_BIN'];
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  return found.status === 0 ? join(found.stdout.trim(), '..') : undefined;
}

const USER = 'iso8583';

/** How every test cluster is made (the template's name depends on it, so a change makes a new template). */
const INITDB_ARGS = ['-U', USER, '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-locale'];

/** Written into a template folder once its cluster is whole: a folder without it is not used. */
const TEMPLATE_READY = 'ready';

/**
 * The folder of one test run's shared files, `$ISO8583_TEST_RUN_DIR`: `scripts/test.mjs` makes it before the run and
 * removes it after; unset (a test file run on its own), nothing is shared between files.
 */
export const TEST_RUN_DIR_ENV = 'ISO8583_TEST_RUN_DIR';

/**
 * The data folder of the template cluster for `bin` in the run folder `runDir`: `initdb` takes about a second of CPU,
 * copying its result a fraction of that, so the template is made once a run (by the first test file that needs it,
 * named after the binaries and the initdb arguments) and each cluster starts from a copy. Made in a folder of its own
 * and renamed into place when whole, so test files starting at the same moment never see half a template (the loser
 * of the rename removes its own).
 */
function templateData(runDir: string, bin: string, initdb: (data: string, cwd: string) => void, own: (dir: string) => void): string {
  const binary = statSync(join(bin, 'initdb'));
  const key = createHash('sha256')
    .update(JSON.stringify([bin, binary.size, binary.mtimeMs, process.getuid?.() ?? -1, INITDB_ARGS]))
    .digest('hex')
    .slice(0, 16);
  const template = join(runDir, `pg-template-${key}`);
  if (existsSync(join(template, TEMPLATE_READY))) return join(template, 'data');
  const making = mkdtempSync(`${template}.making-`);
  try {
    own(making);
    initdb(join(making, 'data'), making);
    writeFileSync(join(making, TEMPLATE_READY), '');
    if (existsSync(template) && !existsSync(join(template, TEMPLATE_READY))) {
      // Left incomplete (a cleaner of the temporary folder took part of it): moved aside, then removed.
      const aside = `${making}.broken`;
      renameSync(template, aside);
      rmSync(aside, { recursive: true, force: true });
    }
    try {
      renameSync(making, template);
    } catch (err) {
      // Another test file put its template in place first: use that one.
      if (!existsSync(join(template, TEMPLATE_READY))) throw err;
    }
  } finally {
    rmSync(making, { recursive: true, force: true });
  }
  return join(template, 'data');
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Sync to disk as a production server does (`fsync`, `full_page_writes` on): for benchmarks. Default false. */
  durable?: boolean;
}

/**
 * Makes and starts a cluster. Throws with a clear message when the PostgreSQL binaries are missing (install Debian's
 * `postgresql` package). The server runs with `fsync=off` unless `durable`: the tests kill gateways, not the database.
 */
export async function startPostgres(startOptions: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('PostgreSQL binaries not found: install the postgresql package (apt-get install -y postgresql) or set PG_BIN');
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[], cwd = dir): string => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args];
    try {
      return execFileSync(file, argv, { stdio: 'pipe', encoding: 'utf8', cwd });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${command} failed: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`, { cause: err });
    }
  };
  let owner: [uid: number, gid: number] | undefined;
  const own = (folder: string): void => {
    if (!asRoot) return;
    owner ??= [Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())];
    chownSync(folder, ...owner);
  };
  own(dir);
  const initdb = (folder: string, cwd: string): void => void run('initdb', ['-D', folder, ...INITDB_ARGS], cwd);
  const runDir = process.env[TEST_RUN_DIR_ENV];
  if (runDir === undefined || runDir === '') {
    initdb(data, dir);
  } else {
    // `cp -a` keeps the owner (the postgres user when run as root) and the modes the server insists on.
    execFileSync('cp', ['-a', templateData(runDir, bin, initdb, own), data], { stdio: 'pipe' });
  }
  let port = 0;
  const sync = startOptions.durable === true ? '' : ' -c fsync=off -c full_page_writes=off';
  const options = (): string => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${sync}`;
  const startServer = (): void => {
    run('pg_ctl', ['-D', data, '-o', options(), '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  };
  const stopServer = (): void => {
    run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  // Reserved until the cluster is destroyed: a restart after `stopServer` needs the same port, and a port found free
  // by a port-0 listen is one the system hands out again meanwhile. Something outside the tests may still take it
  // before the first start: try a few.
  let reservation: PortReservation | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      reservation = await reservePort();
      port = reservation.port;
      startServer();
      break;
    } catch (err) {
      reservation?.release();
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const reserved = reservation;
  let running = true;
  const onExit = (): void => {
    if (running) spawnSync(asRoot ? 'runuser' : join(bin, 'pg_ctl'), asRoot ? ['-u', 'postgres', '--', join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'] : ['-D', data, '-m', 'immediate', 'stop']);
    rmSync(dir, { recursive: true, force: true });
    reserved.release();
  };
  process.once('exit', onExit);
  // A test file ended by a signal (the runner's SIGTERM after a timeout, a Ctrl-C) exits through 'exit', so the server
  // is stopped and its folder removed instead of outliving the run.
  const onSignal = (signal: NodeJS.Signals): void => process.exit(signal === 'SIGINT' ? 130 : 143);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const url = (db: string): string => `postgresql://${USER}@127.0.0.1:${port}/${db}`;
  return {
    url: url('postgres'),
    port,
    createDatabase(name: string): string {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`createDatabase: not a plain name: ${name}`);
      run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', USER, name]);
      return url(name);
    },
    stopServer(): void {
      stopServer();
      running = false;
    },
    startServer(): void {
      startServer();
      running = true;
    },
    destroy(): void {
      process.removeListener('exit', onExit);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('SIGINT', onSignal);
      if (running) stopServer();
      running = false;
      rmSync(dir, { recursive: true, force: true });
      reserved.release();
    },
  };
}

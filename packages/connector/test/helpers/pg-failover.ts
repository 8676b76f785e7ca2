/**
 * A PostgreSQL primary with a streaming standby (made by `pg_basebackup -R`), for the tests of a failover
 * (pg-owner-failover.test.ts): the primary stopped at once (`immediate`: as a crash), the standby promoted, and the
 * nodes' relays pointed at it (what a virtual IP or a DNS name does). Each node connects through a relay of its own
 * that can hide from it the end of its owner lock's session (a connection to the dead primary that hangs silently).
 * Both clusters live in one temporary folder, removed by `destroy` (also at the process's exit).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { postgresBinDir, reservePort, waitUntil } from '@iso8583/test-support';
import type { PortReservation } from '@iso8583/test-support';

/** A relay of one node: new connections go to the server of the moment; the lock's session can be hidden. */
export interface NodeRelay {
  /** The URL (database `database`) through the relay. */
  url: string;
  /**
   * Whether a connection that took an owner lock stays open towards the node when the server side of it ends: the
   * node does not see its lock's session go (a half-open connection to a primary that died). Default false.
   */
  silentLock: boolean;
  close(): Promise<void>;
}

/** A primary and its standby; see the module comment. */
export interface ReplicatedPair {
  /** A direct URL of database `database` on the primary, and on the standby. */
  primaryUrl: string;
  standbyUrl: string;
  /** A relay for one node, to the primary until {@link ReplicatedPair.failOver}. */
  relay(): Promise<NodeRelay>;
  /** Resolves once the standby replayed every change the primary made so far. */
  caughtUp(): Promise<void>;
  /** Stops the primary at once (immediate: its sessions cut, as a crash). */
  stopPrimary(): void;
  /** Promotes the standby (waits for it to take writes) and points every relay at it. */
  promote(): void;
  /** Stops both servers and removes their folder (and the relays). */
  destroy(): Promise<void>;
}

const USER = 'iso8583';

/** Makes a primary (database `database`) and a standby of it, both running. */
export async function startReplicatedPair(database: string): Promise<ReplicatedPair> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('PostgreSQL binaries not found: install the postgresql package or set PG_BIN');
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-pg-failover-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const command = (name: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, name), ...args]] : [join(bin, name), args]);
  const run = (name: string, args: string[]): void => {
    const [file, argv] = command(name, args);
    try {
      execFileSync(file, argv, { stdio: 'pipe', encoding: 'utf8', cwd: dir });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${name} failed: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`, { cause: err });
    }
  };
  const ports: PortReservation[] = [];
  const running = new Set<string>();
  const stop = (data: string): void => {
    if (!running.delete(data)) return;
    const [file, argv] = command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(file, argv, { stdio: 'ignore' });
  };
  const relays = new Set<NodeRelay>();
  const onExit = (): void => {
    for (const data of [...running]) stop(data);
    rmSync(dir, { recursive: true, force: true });
    for (const p of ports) p.release();
  };
  process.once('exit', onExit);
  // A test file ended by a signal (the runner's SIGTERM after a timeout, a Ctrl-C) exits through 'exit', so both
  // servers are stopped and their folder removed instead of outliving the run (as startPostgres does).
  const onSignal = (signal: NodeJS.Signals): void => process.exit(signal === 'SIGINT' ? 130 : 143);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const forget = (): void => {
    process.removeListener('exit', onExit);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  };
  const primary = join(dir, 'primary');
  const standby = join(dir, 'standby');
  const start = (data: string, port: number): void => {
    // Before the start: one that timed out may leave a server running, which the exit then stops.
    running.add(data);
    run('pg_ctl', ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`, '-l', `${data}.log`, '-w', '-t', '60', 'start']);
  };
  let target = 0;
  try {
    const p = await reservePort();
    ports.push(p);
    const s = await reservePort();
    ports.push(s);
    target = p.port;
    run('initdb', ['-D', primary, '-U', USER, '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-locale']);
    start(primary, p.port);
    run('createdb', ['-h', '127.0.0.1', '-p', String(p.port), '-U', USER, database]);
    // -R: the standby's primary_conninfo and standby.signal; -c fast: no wait for the next checkpoint.
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(p.port), '-U', USER, '-D', standby, '-R', '-X', 'stream', '-c', 'fast', '--no-sync']);
    start(standby, s.port);
    const url = (port: number): string => `postgresql://${USER}@127.0.0.1:${port}/${database}`;
    const primaryUrl = url(p.port);
    const standbyUrl = url(s.port);
    const query = async <T extends pg.QueryResultRow>(at: string, text: string, values: unknown[] = []): Promise<T[]> => {
      const client = new pg.Client(at);
      client.on('error', () => undefined);
      await client.connect();
      try {
        return (await client.query<T>(text, values)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    return {
      primaryUrl,
      standbyUrl,
      relay: async () => {
        const relay = await nodeRelay(() => target, database);
        relays.add(relay);
        return relay;
      },
      caughtUp: async () => {
        const [now] = await query<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn');
        await waitUntil(async () => (await query<{ done: boolean }>(standbyUrl, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [now?.lsn]))[0]?.done === true, {
          what: 'the standby to replay the primary\'s changes',
        });
      },
      stopPrimary: () => stop(primary),
      promote: () => {
        run('pg_ctl', ['-D', standby, '-w', '-t', '60', 'promote']);
        target = s.port;
      },
      destroy: async () => {
        forget();
        await Promise.all([...relays].map((r) => r.close()));
        onExit();
      },
    };
  } catch (err) {
    forget();
    onExit();
    throw err;
  }
}

/** What a statement that takes an owner lock holds (owner-lock-sql.ts, REGISTER). */
const LOCK_CALL = Buffer.from('pg_try_advisory_lock');

/** A relay to the server on port `target()` of the moment (database `database`); see {@link NodeRelay}. */
async function nodeRelay(target: () => number, database: string): Promise<NodeRelay> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const db = createConnection(target(), '127.0.0.1');
    sockets.add(client).add(db);
    let lock = false;
    // The end of what came before: the statement's text may be split across two chunks.
    let tail = Buffer.alloc(0);
    for (const s of [client, db]) s.on('error', () => undefined);
    client.on('close', () => db.destroy());
    db.on('close', () => {
      if (!(lock && relay.silentLock)) client.destroy();
    });
    client.on('data', (chunk: Buffer) => {
      const seen = Buffer.concat([tail, chunk]);
      if (seen.includes(LOCK_CALL)) lock = true;
      tail = seen.subarray(Math.max(0, seen.length - (LOCK_CALL.length - 1)));
      db.write(chunk);
    });
    db.on('data', (chunk: Buffer) => client.write(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const relay: NodeRelay = {
    url: `postgresql://${USER}@127.0.0.1:${port}/${database}`,
    silentLock: false,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return relay;
}

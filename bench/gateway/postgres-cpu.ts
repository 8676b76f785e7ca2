/**
 * CPU used by a PostgreSQL server (the postmaster and every process it started: backends, WAL writer, checkpointer,
 * autovacuum), for the benches that put a gateway's store on a server made on the spot: user + system time from
 * `/proc/PID/stat`, summed over the postmaster's children alive at the time of reading. A backend that ends between two
 * readings takes its time with it, so a phase is read while the gateway's pool is open (its backends live on).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { cpuSeconds } from './cpu.js';

/** The parent process id of `pid` (field 4 of `/proc/PID/stat`), or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The postmaster's process id of the server at `url` (the first line of `postmaster.pid` in its data directory). */
export async function postmasterPid(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const dir = (await client.query<{ data_directory: string }>('SHOW data_directory')).rows[0]?.data_directory as string;
    return Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } finally {
    await client.end();
  }
}

/** Seconds of CPU the server has used so far: the postmaster and its live children. */
export function serverCpuSeconds(postmaster: number): number {
  let total = cpuSeconds(postmaster);
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const pid = Number(name);
    if (parentOf(pid) !== postmaster) continue;
    try {
      total += cpuSeconds(pid);
    } catch {
      // Ended between the listing and the reading.
    }
  }
  return total;
}

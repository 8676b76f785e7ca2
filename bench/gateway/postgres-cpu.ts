/**
 * CPU used by a PostgreSQL server (the postmaster and every process it started: backends, WAL writer, checkpointer,
 * autovacuum), for the benches that put a gateway's store on a server made on the spot: user + system time from
 * `/proc/PID/stat`, summed over the postmaster's children alive at the time of reading, plus the time of its children
 * that have ended (the postmaster's `cutime` and `cstime`: the kernel adds a child's time there when the postmaster
 * reaps it). So a process that ends between two readings (an autovacuum worker, a backend of a pool that closed it)
 * keeps its time in the figure instead of taking it with it.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TICKS, cpuSeconds } from './cpu.js';

/** The fields of `/proc/PID/stat` from field 3 (state) on, or undefined when the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count the fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The parent process id of `pid` (field 4 of `/proc/PID/stat`), or undefined when it is gone. */
function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields === undefined ? undefined : Number(fields[1]);
}

/** Seconds of CPU of the children `pid` has reaped (fields 16 and 17, `cutime` and `cstime`). */
function reapedChildrenSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields === undefined ? 0 : (Number(fields[13]) + Number(fields[14])) / TICKS;
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

/** Seconds of CPU the server has used so far: the postmaster, its live children and those that have ended. */
export function serverCpuSeconds(postmaster: number): number {
  let total = cpuSeconds(postmaster) + reapedChildrenSeconds(postmaster);
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

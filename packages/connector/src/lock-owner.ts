/**
 * Who holds a folder lock (folder-lock.ts) and whether that holder is still there. A pid alone cannot tell: two
 * journals of one process in two worker threads share it; two containers on one volume are each pid 1 in their own
 * pid namespace; and the pid of a gateway that died can be given to an unrelated process, which would keep its lock
 * forever. So a lock names its holder by more than its pid, where Linux says it (`/proc`): a random token of the
 * lock, the process's start time (`/proc/<pid>/stat` field 22, clock ticks since boot), the boot id
 * (`/proc/sys/kernel/random/boot_id`), the pid namespace (`/proc/self/ns/pid`) and the time namespace
 * (`/proc/self/ns/time`). The holder is:
 * - gone when the lock was made before a reboot (another boot id, and last touched before this boot began: `btime`
 *   of `/proc/stat`), when its pid is this process's with another start time (an earlier incarnation: a container
 *   restarted), when no process runs with its pid (none has it, or a zombie: killed, not reaped), or when the process
 *   that has it started at another time (the pid was reused);
 * - this very process (same pid, boot, namespace and start time; another worker thread, or a store that never
 *   released it): held while a file descriptor of this process is open on the lock (every holder keeps one open);
 * - elsewhere: in another pid namespace on this machine (another container on a shared volume: its pid means nothing
 *   here), on another kernel (another boot id, touched since this boot began: a VM-isolated container such as Kata,
 *   gVisor or Firecracker, or another host), or in another time namespace (its start time reads shifted here). It is
 *   alive while it keeps touching its lock: every holder sets the lock's modification time every {@link LOCK_REFRESH}
 *   ms (a synchronous call, never behind the thread pool), and a start that finds such a lock watches it for
 *   {@link LOCK_STALE} ms; untouched that long, it is taken over.
 * A lock of an older version (its pid alone), or where there is no `/proc` (not Linux: macOS, Windows), is judged by
 * the pid alone, as before: alive while a process has that pid, an earlier incarnation when it is this process's; on
 * Linux, one last touched before this boot began is gone (`rebooted`) when no process has its pid now, or one that is
 * not Node (`/proc/<pid>/cmdline`: another program was given the pid after the reboot); a Node process with its pid
 * (or one whose command line cannot be read) is held (`olderThanBoot`: the refusal says to remove the lock if no older
 * iso8583 runs). "Before this boot" is read from the wall clock (`btime`), which a clock stepped forward moves: a live
 * holder's lock then looks older than the boot, and its start time cannot tell (read through the same `btime`, every
 * process of this boot started after such a lock's modification time), so only what runs with the pid decides. So
 * there, two worker threads of one process are not told apart: the guarantee against a second journal in another
 * worker thread holds on Linux only.
 * The format, for every later version: one JSON object on one line, `{"pid":...,"token":...}` with the members above,
 * under 4 KiB. A reader takes a JSON object it does not wholly understand (a member it does not know, one of another
 * type, no pid) for held (`foreign`), never for stale: so a later version may add members, or change their meaning,
 * and an earlier one refuses its locks rather than take them over.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import type { FileIdentity } from './file-identity.js';

/** Default of {@link LOCK_REFRESH}: 2000 ms. */
const DEFAULT_LOCK_REFRESH = 2000;

/**
 * Milliseconds between two touches of a held lock (its modification time set to now). 2000, the default, unless a
 * test lowered it ({@link setLockRefreshForTests}).
 */
// A live binding (`let`): what a test sets is what the modules that import it read from then on.
export let LOCK_REFRESH = DEFAULT_LOCK_REFRESH;

/**
 * Milliseconds a start watches a lock held from another pid namespace before it takes it over, untouched (five
 * touches missed: a margin for an event loop held up by a long garbage collection or a busy machine): the longest a
 * start on such a lock takes. 10000 (`5 * LOCK_REFRESH`), the default, unless a test lowered it.
 */
export let LOCK_STALE = 5 * LOCK_REFRESH;

/**
 * Internal, for tests only (not exported from the package): sets {@link LOCK_REFRESH} to `refresh` ms and
 * {@link LOCK_STALE} to five times it in this thread (a child process or worker thread of a test calls it itself), so
 * that a test of a takeover waits seconds, not ten. Returns what sets the defaults back (a test calls it in its `after`
 * hook: the files of a test group share a process). Locks held and watches begun before a change keep their times
 * (`touchEvery` reads the refresh when a lock is taken). Not for production: every holder and every start on a folder
 * must use the same times, or a live holder's lock can be taken over.
 */
export function setLockRefreshForTests(refresh: number): () => void {
  LOCK_REFRESH = refresh;
  LOCK_STALE = 5 * refresh;
  return () => {
    LOCK_REFRESH = DEFAULT_LOCK_REFRESH;
    LOCK_STALE = 5 * DEFAULT_LOCK_REFRESH;
  };
}

/**
 * What a lock file says of its holder (see the module comment); `pid` alone in a lock of an older version. A JSON lock
 * this version does not wholly understand is `foreign` (see {@link parseOwner}).
 */
export interface LockOwner {
  /** `undefined` only in a `foreign` lock that names no pid this version can read. */
  readonly pid: number | undefined;
  readonly token?: string;
  /** `/proc/<pid>/stat` field 22. */
  readonly start?: string;
  readonly boot?: string;
  /** `readlink /proc/self/ns/pid` (`pid:[4026531836]`). */
  readonly ns?: string;
  /** `readlink /proc/self/ns/time` (`time:[4026531834]`): start times read in another time namespace are shifted. */
  readonly tns?: string;
  /**
   * True for a JSON object this version does not wholly understand: a member it does not know, a known one of another
   * type, or no pid. A later version's format: held, never taken over (its holder cannot be judged here).
   */
  readonly foreign?: true;
}

/**
 * This process as a lock names it (Linux), whether `/proc` shows this pid namespace (its pids are ours), and when this
 * boot began (`btime` of `/proc/stat`, ms since the epoch).
 */
interface Identity {
  readonly start: string;
  readonly boot: string;
  readonly ns: string;
  /** The time namespace (`readlink /proc/self/ns/time`); `undefined` on a kernel without them (before 5.6). */
  readonly tns: string | undefined;
  readonly procIsOurs: boolean;
  readonly bootedAt: number;
}

/** `readlink` of `link`, `undefined` when it cannot be read. */
function linkOf(link: string): string | undefined {
  try {
    return readlinkSync(link);
  } catch {
    return undefined;
  }
}

/** The fields of `/proc/<pid>/stat` after the command name (field 3 first): the name may hold spaces. */
function statFields(text: string): string[] {
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** `/proc/<pid>/stat` field 22, the start time; `undefined` when there is no such process (or no `/proc`). */
function startOf(pid: number): string | undefined {
  try {
    return statFields(readFileSync(`/proc/${pid}/stat`, 'latin1'))[19];
  } catch {
    return undefined;
  }
}

let own: Identity | null | undefined;

/** This process's identity (read once); `undefined` without `/proc` (not Linux). */
function identity(): Identity | undefined {
  if (own === undefined) {
    try {
      const stat = readFileSync('/proc/self/stat', 'latin1');
      const start = statFields(stat)[19];
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
      const ns = readlinkSync('/proc/self/ns/pid');
      const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1];
      own =
        start && boot && ns && btime !== undefined
          ? { start, boot, ns, tns: linkOf('/proc/self/ns/time'), procIsOurs: Number(stat.slice(0, stat.indexOf(' '))) === process.pid, bootedAt: Number(btime) * 1000 }
          : null;
    } catch {
      own = null;
    }
  }
  return own ?? undefined;
}

/** The text of a new lock of this process: one line of JSON (its pid alone where there is no `/proc`). */
export function ownerText(): string {
  const me = identity();
  const token = randomBytes(8).toString('hex');
  return `${JSON.stringify(me === undefined ? { pid: process.pid, token } : { pid: process.pid, token, start: me.start, boot: me.boot, ns: me.ns, tns: me.tns })}\n`;
}

/** The members of this version's lock (see {@link ownerText}), each a string but `pid`. */
const MEMBERS = new Set(['pid', 'token', 'start', 'boot', 'ns', 'tns']);

/**
 * The holder a lock file's text names: its pid alone (an older version, or a lock made by hand), or this version's
 * JSON line; `foreign` (see {@link LockOwner}) for any other JSON object, so that a later version may extend the format
 * (a lock is always one JSON object) without this one taking its locks for stale; `undefined` when the text is neither
 * (damaged: a lock is written whole, so no version made it).
 */
export function parseOwner(text: string): LockOwner | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const pid = Number(trimmed);
    return Number.isSafeInteger(pid) && pid > 0 ? { pid } : undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const o = parsed as Record<string, unknown>;
  const pid = typeof o.pid === 'number' && Number.isSafeInteger(o.pid) && o.pid > 0 ? o.pid : undefined;
  const known = Object.entries(o).every(([key, value]) => MEMBERS.has(key) && (key === 'pid' || typeof value === 'string'));
  if (pid === undefined || !known) return { pid, foreign: true };
  const text1 = (key: string): Record<string, string> => (typeof o[key] === 'string' ? { [key]: o[key] } : {});
  return { pid, ...text1('token'), ...text1('start'), ...text1('boot'), ...text1('ns'), ...text1('tns') };
}

/**
 * True when a process with this pid runs (signal 0 checks without sending; EPERM: it exists, another user's). A zombie
 * (killed, not reaped by its parent: a container's pid 1 that is not an init) has its pid but no longer runs: where
 * `/proc` shows this pid namespace, its state (`/proc/<pid>/stat` field 3) `Z` or `X` is a process that exited.
 */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (identity()?.procIsOurs !== true) return true;
  let state: string | undefined;
  try {
    state = statFields(readFileSync(`/proc/${pid}/stat`, 'latin1'))[0];
  } catch {
    // Hidden (`hidepid`), or reaped since the signal: the signal decides (the next start finds it gone).
    return true;
  }
  return state !== 'Z' && state !== 'X';
}

/**
 * Where a lock's holder is: `alive`; `gone` (why: `exited`, `restarted` (this pid's earlier incarnation), `reused`
 * (another process has its pid now), `rebooted`); `here` (this process: held while a descriptor of it is open on the
 * lock, see {@link openHere}); `elsewhere` (another pid namespace, kernel or time namespace: see {@link LOCK_STALE});
 * `foreign` (a later version's format: held, see {@link LockOwner}).
 */
export type OwnerState =
  | { state: 'alive'; olderThanBoot?: true }
  | { state: 'here' | 'elsewhere' | 'foreign' }
  | { state: 'gone'; why: 'exited' | 'restarted' | 'reused' | 'rebooted' };

/**
 * True when the process `pid` (running) may hold a lock of an older iso8583: it runs Node (its command's base name
 * starts with `node` or is `iso8583`), or its command line cannot be read (hidden: taken for a holder, never taken
 * over). Another program (a shell, a daemon given the pid after a reboot) cannot hold it.
 */
function mayHold(pid: number): boolean {
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0] ?? '';
  } catch {
    return true;
  }
  const base = command.slice(command.lastIndexOf('/') + 1).toLowerCase();
  return base === '' || base.startsWith('node') || base.startsWith('iso8583');
}

/**
 * True when a lock last modified at `mtimeMs` was last touched before this boot began (`me.bootedAt`): its holder
 * did not live through the reboot (every holder touches its lock every {@link LOCK_REFRESH} ms).
 */
function beforeBoot(mtimeMs: number, me: Identity): boolean {
  return mtimeMs < me.bootedAt;
}

/**
 * Where the holder `owner` is (see the module comment), named by a file last modified at `mtimeMs` (ms since the
 * epoch; a held lock is touched every {@link LOCK_REFRESH} ms).
 */
export function ownerState(owner: LockOwner, mtimeMs: number): OwnerState {
  if (owner.foreign === true || owner.pid === undefined) return { state: 'foreign' };
  const me = identity();
  if (me === undefined || owner.start === undefined || owner.boot === undefined || owner.ns === undefined) {
    // Its pid alone (an older version's lock, a hand-made one, or no /proc). Last touched before this boot began (a
    // crash before a reboot, or a clock stepped forward): gone unless a Node process has its pid now (see the module
    // comment). Our own pid without our own lock is an earlier incarnation.
    if (me !== undefined && beforeBoot(mtimeMs, me)) {
      if (owner.pid === process.pid || !exists(owner.pid) || (me.procIsOurs && !mayHold(owner.pid))) return { state: 'gone', why: 'rebooted' };
      return { state: 'alive', olderThanBoot: true };
    }
    if (owner.pid === process.pid) return { state: 'gone', why: 'restarted' };
    return exists(owner.pid) ? { state: 'alive' } : { state: 'gone', why: 'exited' };
  }
  // Another boot id: made before this boot if last touched before it began; else another kernel's live process
  // (another host on a shared volume, a VM-isolated container: Kata, gVisor, Firecracker), told alive by its touches.
  if (owner.boot !== me.boot) return beforeBoot(mtimeMs, me) ? { state: 'gone', why: 'rebooted' } : { state: 'elsewhere' };
  if (owner.ns !== me.ns) return { state: 'elsewhere' };
  // Start times read in another time namespace are shifted by its offset: compared only within one (a lock that does
  // not name its time namespace, as this version's first ones, is taken for ours).
  const sameTime = owner.tns === undefined || owner.tns === me.tns;
  if (owner.pid === process.pid) return owner.start === me.start || !sameTime ? { state: 'here' } : { state: 'gone', why: 'restarted' };
  if (!exists(owner.pid)) return { state: 'gone', why: 'exited' };
  if (!sameTime) return { state: 'elsewhere' };
  // Where /proc shows another namespace's pids (mounted before an unshare), the start time is not its process's.
  const start = me.procIsOurs ? startOf(owner.pid) : undefined;
  return start !== undefined && start !== owner.start ? { state: 'gone', why: 'reused' } : { state: 'alive' };
}

/**
 * True when a file descriptor of this process (any worker thread's) is open on the file `id` (`/proc/self/fd`);
 * false where there is no `/proc`. How a lock made by this very process is known held: its holder keeps it open.
 */
export function openHere(id: FileIdentity): boolean {
  let fds: string[];
  try {
    fds = readdirSync('/proc/self/fd');
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const s = statSync(`/proc/self/fd/${fd}`);
      if (s.dev === id.dev && s.ino === id.ino) return true;
    } catch {
      // Closed meanwhile (the descriptor readdir itself used among them).
    }
  }
  return false;
}

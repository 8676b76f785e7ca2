/**
 * One process per store folder (the reversal journal's, journal-lock.ts; the transaction log's): a lock file naming
 * its owner (its pid, and where Linux says them its start time, boot, pid and time namespaces: lock-owner.ts), made whole
 * before it gets its name (written to a private file, then hard-linked, which fails when the name exists), so that
 * nobody ever reads a lock without its owner, and taken over, with a warning, when its process is gone: under a gate file that only one of the processes starting at once can hold, so that exactly one of
 * them owns the folder. The file name, the error and the warning code are the kind's. The owner can check that the lock
 * file is still its own (file-identity.ts: not removed with the folder, not replaced by another process's lock), and
 * releasing it removes it only then. The private file and the take-over gate of a start killed before it removed them
 * are removed by the next start that takes the lock.
 */
import { chmod, link, open, readdir, realpath, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import { syncDir, writeAll } from './durable-file.js';
import { errnoOf } from './errors.js';
import type { CONNECTOR_LOG_CODES } from './errors.js';
import { notNamed } from './file-identity.js';
import type { FileIdentity } from './file-identity.js';
import { LOCK_REFRESH, LOCK_STALE, openHere, ownerState, ownerText } from './lock-owner.js';
import { readLock } from './lock-file.js';
import type { LockRead } from './lock-file.js';
import { touchEvery } from './lock-touch.js';
import type { LockTouch, TouchSeam, TouchTrouble } from './lock-touch.js';

/** What a folder lock is for: its file name, the error when a live process holds it, the warning on a take-over. */
export interface FolderLockKind {
  /** The lock file's name in the folder (`transactions.lock`). */
  file: string;
  /** The error thrown when a live process (`pid`, when known) holds the lock. */
  locked(dir: string, pid: number | undefined): Iso8583Error;
  /**
   * The code of the warning logged when the lock of a process that is gone is taken over (with its `pid` and the
   * `reason`: `exited`, `restarted`, `reused`, `rebooted`, `left`, `untouched`, `damaged`: see lock-owner.ts).
   */
  staleCode: string;
  /** What is locked, in the warning's text (`the transaction log`). */
  what: string;
}

/**
 * The code of the warning logged (once per hold) when a held lock cannot be touched (see lock-owner.ts
 * `LOCK_REFRESH`), or its touch has not ended within {@link TOUCH_BOUND}: a start in another pid namespace may then
 * take it for gone.
 */
export const LOCK_TOUCH_CODE: keyof typeof CONNECTOR_LOG_CODES = 'ISO8583_WARN_LOCK_TOUCH';

/**
 * Milliseconds one touch of a held lock may run before it is told hung (`LOCK_STALE / 2`, 5 s): told while a start
 * elsewhere has not yet taken the lock for gone (untouched for `LOCK_STALE`), and a stop waits no longer for it. Read
 * when a lock is taken ({@link touchBound}): a test that lowers the lock's times (lock-owner.ts
 * `setLockRefreshForTests`) lowers it too.
 */
export const TOUCH_BOUND = LOCK_STALE / 2;

/** {@link TOUCH_BOUND} with the lock's times of now (`LOCK_STALE / 2`). */
export function touchBound(): number {
  return LOCK_STALE / 2;
}

/** The text of the {@link LOCK_TOUCH_CODE} warning on `trouble` with the lock of `what` (never any data of the folder). */
function touchTrouble(what: string, reason: string, trouble: TouchTrouble, bound: number): string {
  if (trouble === 'no-worker') return `${what}'s lock is touched on the event loop (no worker thread: ${reason}): a stalled volume would stall this process`;
  if (trouble === 'hung') return `${what}'s lock touch has not ended after ${bound} ms (a stalled volume?): a start in another container may take it over`;
  return `${what}'s lock could not be touched (${reason}): a start in another container may take it over`;
}

/** A folder's lock, held. */
export interface FolderLock {
  /** The lock file. */
  readonly path: string;
  /**
   * Why the lock file is no longer this holder's (`removed`, `replaced by another file`): `undefined` while it is. A
   * synchronous `stat` (see file-identity.ts).
   */
  lost(): string | undefined;
  /** Releases the lock: removes the lock file if it is still this holder's (once; later calls do nothing). */
  release(): Promise<void>;
}

/**
 * Locks held in this JavaScript realm (a second store of this thread on the same folder is refused at once; one of
 * another worker thread of the process is found by its open descriptor: lock-owner.ts `openHere`).
 */
const heldHere = new Set<string>();

/** Milliseconds between two looks at a lock of another pid namespace while it is watched (see {@link staleness}). */
const WATCH_STEP = 200;

/**
 * Why the lock `found` at `path` is stale (its holder gone: lock-owner.ts), `undefined` while its holder is there,
 * or `changed` when the file at `path` changed meanwhile (removed, or another file: read it again). A lock of another
 * pid namespace is watched for `LOCK_STALE` ms: alive once touched, stale (`untouched`) if not.
 */
async function staleness(path: string, found: LockRead): Promise<string | undefined> {
  if (found.owner === undefined) return 'damaged';
  const state = ownerState(found.owner, found.mtimeMs);
  if (state.state === 'alive' || state.state === 'foreign') return undefined;
  if (state.state === 'gone') return state.why;
  // This very process (another worker thread): held while one of its descriptors is open on the lock.
  if (state.state === 'here') return openHere(found) ? undefined : 'left';
  const until = performance.now() + LOCK_STALE;
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, WATCH_STEP));
    const now = await stat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (now === undefined || now.dev !== found.dev || now.ino !== found.ino) return 'changed';
    if (now.mtimeMs !== found.mtimeMs) return undefined;
  }
  return 'untouched';
}

/**
 * Thrown inside {@link take} when a live process holds the name, or a lock of a format this version does not know
 * (`foreign`: lock-owner.ts).
 */
class Held extends Error {
  constructor(
    readonly pid: number | undefined,
    readonly foreign = false,
    readonly olderThanBoot = false,
  ) {
    super('held');
  }
}

/** `kind`'s error for the lock at `path` of `dir` held as `held` says: a `foreign` lock's says so, and what to do. */
function lockedError(kind: FolderLockKind, dir: string, path: string, held: Held): Iso8583Error {
  const err = kind.locked(dir, held.pid);
  if (held.foreign) {
    err.message += ` (its lock file ${path} is of a format this version of iso8583 does not know, a newer version's: stop every process of that version on the folder, or remove the file once none runs)`;
  }
  if (held.olderThanBoot) {
    err.message += ` (its lock file ${path} names a pid alone and was last touched before this boot began, or the clock stepped forward: process ${String(held.pid)} runs Node now; remove the file if no iso8583 of an older version runs on the folder)`;
  }
  return err;
}

/**
 * True when `name` is one of the private files `<lock>.<pid>-<8 letters>` a start makes before it links its lock (see
 * {@link lockFolder}), of the lock file named `file` (the pid is the maker's).
 */
function isPrivate(file: string, name: string): boolean {
  return name.startsWith(`${file}.`) && /^\d+-[0-9a-z]+$/.test(name.slice(file.length + 1));
}

/** True when `name` is a take-over gate of the lock file named `file` (`<lock>.takeover-<pid>`, or a gate's gate). */
function isGate(file: string, name: string): boolean {
  return name.startsWith(`${file}.takeover-`);
}

/**
 * Removes what starts that were killed while they took the lock left (a SIGKILL, a power cut): their private files
 * (see {@link lockFolder}) and their take-over gates (see {@link take}, each a link of its taker's private file), when
 * the process that made them is gone (lock-owner.ts: exited, an earlier incarnation of this pid, its pid reused, before
 * a reboot), is this process but no descriptor of it is open on the file (a worker thread taking the lock keeps its
 * private file open), or is elsewhere (another pid namespace, kernel or time namespace) and the file is untouched for
 * `LOCK_STALE` ms (a start touches its private file, and so its gates, every `LOCK_REFRESH` ms while it runs). A
 * private file whose text names nobody (its start was killed before it wrote it, or is between its open and its
 * write) is left behind when no descriptor of this process is open on it and it is untouched for `LOCK_STALE` ms: the
 * pid in its name is not enough (another container's pid 1 is ours too); a gate naming nobody is a damaged one. A gate matters only while the lock it guards names a dead
 * process; this one names us. Called once the lock is held. A file that cannot be removed is left (the next start
 * tries again).
 */
async function removeLeftovers(dir: string, file: string, mine: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [])) {
    const gate = isGate(file, name);
    if (name === mine || (!gate && !isPrivate(file, name))) continue;
    // A file this user may not read, or gone meanwhile, is left as it is.
    const found = await readLock(join(dir, name)).catch(() => 'gone' as const);
    if (found === 'gone' || !leftBehind(found, gate)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

/** True when the private file or `gate` `found` was left by a start that no longer runs (see {@link removeLeftovers}). */
function leftBehind(found: LockRead, gate: boolean): boolean {
  const owner = found.owner;
  if (owner === undefined || owner.foreign === true) return gate || (!openHere(found) && Date.now() - found.mtimeMs > LOCK_STALE);
  const state = ownerState(owner, found.mtimeMs);
  if (state.state === 'here') return !openHere(found);
  if (state.state === 'elsewhere') return Date.now() - found.mtimeMs > LOCK_STALE;
  return state.state === 'gone';
}

/** Attempts at a name before giving up (each failed attempt found a lock that was let go or taken over meanwhile). */
const TRIES = 50;

/** Milliseconds to wait before trying again while another process is taking a stale lock over (it takes a few). */
const TAKE_OVER_WAIT = 5;

/** Waits of {@link TAKE_OVER_WAIT} before giving up on another process's take-over (10 s in all, for a loaded machine). */
const WAITS = 2000;

/**
 * Gives `path` to the private file `mine` (a hard link, which fails when the name exists). A name held by a process
 * that is gone (see {@link staleness}) is taken over under a gate, `<path>.takeover-<dead pid>`, itself taken with
 * this function: every process that found the same dead holder competes for the same gate, and the one holding it
 * reads the lock again before it removes the name (the same file, the same text), so that nobody removes a lock a
 * live process linked meanwhile (read, unlink, link by two processes at once let both own the folder). A gate left by
 * a process that died holding it is taken over the same way, one level up. Throws {@link Held} when a live process
 * holds `path`. `onStale` is told the dead holder's pid and why it is taken for gone.
 */
async function take(mine: string, path: string, onStale: (pid: number | undefined, why: string) => void): Promise<void> {
  for (let tries = 0, waits = 0; tries < TRIES; tries++) {
    try {
      await link(mine, path);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const found = await readLock(path);
    // Let go meanwhile: link again (only a file that is there is removed, under its gate; an absence is not, for a
    // process that found it absent could remove a lock linked after it looked).
    if (found === 'gone') continue;
    const why = await staleness(path, found);
    if (why === 'changed') continue;
    if (why === undefined) {
      const state = found.owner === undefined ? undefined : ownerState(found.owner, found.mtimeMs);
      throw new Held(found.owner?.pid, found.owner?.foreign === true, state?.state === 'alive' && state.olderThanBoot === true);
    }
    const pid = found.owner?.pid;
    const gate = `${path}.takeover-${pid ?? 'unknown'}`;
    try {
      await take(mine, gate, () => undefined);
    } catch (err) {
      if (!(err instanceof Held) || ++waits > WAITS) throw err;
      // Another live process is taking this stale lock over: its outcome decides (its own lock, or a live owner).
      await new Promise((resolve) => setTimeout(resolve, TAKE_OVER_WAIT));
      tries -= 1;
      continue;
    }
    try {
      const again = await readLock(path);
      // Touched since it was judged (a live holder elsewhere, while this start waited for the gate): not stale after all.
      if (again !== 'gone' && again.dev === found.dev && again.ino === found.ino && again.text === found.text && again.mtimeMs === found.mtimeMs) {
        onStale(pid, why);
        await unlink(path).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
    } finally {
      await unlink(gate).catch(() => undefined);
    }
  }
  const found = await readLock(path);
  throw found === 'gone' ? new Held(undefined) : new Held(found.owner?.pid, found.owner?.foreign === true);
}

/**
 * Makes `dir` if it is missing (mode 0700; a folder made now is durable only once its parent is fsynced), sets one
 * already there with group or other bits to 0700, and takes its lock (see {@link lockFolder}): how a store opens its folder.
 */
export async function openFolder(dir: string, kind: FolderLockKind, logger: Logger): Promise<() => Promise<void>> {
  const lock = await openFolderLock(dir, kind, logger);
  return () => lock.release();
}

/**
 * {@link openFolder}, resolving with the lock itself (see {@link FolderLock}). `seam`: internal, for tests only (see
 * {@link lockFolder}). A file where the folder (or one above it) should be fails with the system's `ENOTDIR` naming
 * the path (what making the folder says of a file at its own path is `EEXIST`, "file already exists": it is told as
 * `ENOTDIR` too).
 */
export async function openFolderLock(dir: string, kind: FolderLockKind, logger: Logger, seam?: TouchSeam): Promise<FolderLock> {
  let made: string | undefined;
  try {
    made = mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw notADirectory(dir);
    throw err;
  }
  if (made !== undefined) await syncDir(dirname(made));
  await makePrivate(dir, logger);
  return lockFolder(dir, kind, logger, seam);
}

/** The code of the warning that a store's folder is left readable by others (see {@link makePrivate}). */
export const FOLDER_NOT_PRIVATE_CODE: keyof typeof CONNECTOR_LOG_CODES = 'ISO8583_WARN_FOLDER_NOT_PRIVATE';

/**
 * Sets `dir` to mode 0700 when it has group or other bits (a folder made before, by hand, a restore or another umask:
 * `mkdir`'s mode applies only when it makes it), as `openPrivate` does for a file; one already private is left as it
 * is. Never fails the open (a start that stops here would leave what the journal owes unsent): a folder shared by
 * design (the sticky bit, like /tmp) is not changed, nor one this process cannot change (not its owner: a volume
 * mounted group-writable); both are told once at `warn` ({@link FOLDER_NOT_PRIVATE_CODE}, the folder and the fix).
 */
async function makePrivate(dir: string, logger: Logger): Promise<void> {
  const { mode, uid } = await stat(dir);
  if ((mode & 0o077) === 0) return;
  const tell = (reason: string): void =>
    logger.warn(
      { code: FOLDER_NOT_PRIVATE_CODE, dir, mode: `0${(mode & 0o7777).toString(8)}`, uid, reason },
      `the folder ${dir} is readable by others and is not made private (${reason}): its files are 0600; give the journal a folder of its own, owned by this user, mode 0700`,
    );
  if ((mode & 0o1000) !== 0) return tell('shared');
  await chmod(dir, 0o700).catch((err: NodeJS.ErrnoException) => tell(err.code ?? 'unknown'));
}

/** The system's `ENOTDIR` error for `path` (a file where a folder should be), as `syscall` (default `mkdir`) makes it. */
export function notADirectory(path: string, syscall = 'mkdir'): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOTDIR: not a directory, ${syscall} '${path}'`);
  Object.assign(err, { code: 'ENOTDIR', errno: errnoOf('ENOTDIR'), syscall, path });
  return err;
}

/**
 * Takes the lock of `dir` (see {@link FolderLock}). Throws `kind.locked(...)` when a live process holds it. `seam`:
 * internal, for tests only (lock-touch.ts {@link TouchSeam}; default none).
 */
export async function lockFolder(dir: string, kind: FolderLockKind, logger: Logger, seam?: TouchSeam): Promise<FolderLock> {
  // One name per folder, however it was spelt (relative, through a symbolic link).
  const path = join(await realpath(dir), kind.file);
  if (heldHere.has(path)) throw kind.locked(dir, process.pid);
  // Held from now on, so that a second lockFolder of this process on the folder meanwhile is refused.
  heldHere.add(path);
  // Set once the lock is whole: linked and its folder synced. Any failure before (the folder removed between the link
  // and the sync, a failed sync) lets go of the name here and of the lock file if it is still ours, so that a later
  // open of this process is not refused by our own pid.
  let taken = false;
  let linked: FileIdentity | undefined;
  const mine = join(dir, `${kind.file}.${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  // Open while the lock is held: a file open is never freed, so its inode number is not given to another file while
  // `lost` compares against it (else, the folder removed and taken by another process, that process's new lock file
  // could get the same number, and our release would remove its lock). Closed by `release` (or at once on a failure).
  let handle: FileHandle | undefined;
  // Touches our private file while we start (one of another pid namespace that watches a container's lock for
  // LOCK_STALE ms must not look left behind to a start that takes the lock meanwhile), then the lock (the same file).
  // Off the event loop and the thread pool, at most one in flight (lock-touch.ts).
  let touch: LockTouch | undefined;
  try {
    handle = await open(mine, 'wx', 0o600);
    // The lock file is this file under a second name (a hard link): the same device and inode.
    const { dev, ino } = await handle.stat();
    const bound = touchBound();
    touch = touchEvery(
      handle,
      dev,
      { every: LOCK_REFRESH, bound },
      (reason, trouble) => logger.warn({ code: LOCK_TOUCH_CODE, dir, lock: path, reason }, touchTrouble(kind.what, reason, trouble, bound)),
      seam,
    );
    await writeAll(handle, Buffer.from(ownerText()), 0);
    await handle.sync();
    const id: FileIdentity = { dev, ino };
    await take(mine, path, (pid, reason) =>
      logger.warn({ code: kind.staleCode, dir, holderPid: pid, reason }, `${kind.what} was locked by a process that is gone (${reason}): taking the lock over`),
    ).catch(async (err: unknown) => {
      if (err instanceof Held) throw lockedError(kind, dir, path, err);
      // Our private file removed meanwhile (a start that took the lock judged it left behind): lost to that start.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && (await stat(mine).then(() => false, () => true))) {
        const found = await readLock(path).catch(() => 'gone' as const);
        if (found !== 'gone') throw lockedError(kind, dir, path, new Held(found.owner?.pid, found.owner?.foreign === true));
      }
      throw err;
    });
    linked = id;
    await syncDir(dir);
    taken = true;
    await removeLeftovers(dir, kind.file, basename(mine));
    const lost = (): string | undefined => notNamed(path, id);
    const held = handle;
    return {
      path,
      lost,
      async release() {
        if (!heldHere.delete(path)) return;
        // A touch in flight ends before its descriptor is closed (its number could be another file's by then); a hung
        // one (past its bound) is not waited for: it keeps the descriptor, closed when it ends.
        await touch?.stop();
        // Another process's lock by now (the folder was removed and taken meanwhile) is left alone.
        if (lost() === undefined) await unlink(path).catch(() => undefined);
        await (touch?.closeWhenIdle() ?? held.close().catch(() => undefined));
      },
    };
  } finally {
    if (!taken) {
      await touch?.stop();
      // Our lock file, linked but never whole: removed (one another process linked meanwhile is left alone), before
      // the name is free again in this process.
      if (linked !== undefined && notNamed(path, linked) === undefined) await unlink(path).catch(() => undefined);
      heldHere.delete(path);
      await (touch?.closeWhenIdle() ?? handle?.close().catch(() => undefined));
    }
    await unlink(mine).catch(() => undefined);
  }
}

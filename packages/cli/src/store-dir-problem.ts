/**
 * Whether the files a start opens in a store folder that is there can be opened, looked at without making or opening
 * anything (`gateway --check-config`, `run --check`): the folder by path-problem.ts's rule, then each file in it, so a
 * store the start would refuse is refused by the check too, and the check never takes a lock or makes a file a running
 * process owns.
 */
import { accessSync, constants, readdirSync, statSync, statfsSync } from 'node:fs';
import type { Stats } from 'node:fs';
import type { JournalOpenNeed } from '@iso8583/connector';
import { dirname, join } from 'node:path';
import { DEFAULT_JOURNAL_PREALLOCATE, JOURNAL_FILE, journalOpenNeed, LOCK_FILE, NOTHING_OWED, TRANSACTION_LOCK_FILE, dayFilesIn, dayOf, readAtOpen, transactionFile } from '@iso8583/connector';
import { pathProblem, problemOf, systemReason } from './path-problem.js';

/** The stores whose files a store folder holds: a reversal (SAF) journal's, a transaction log's. */
export type StoreKind = 'journal' | 'transactions';

/** What a start does with a file of a store folder: reads it, opens it for writing, or renames over it or removes it. */
type Use = 'read' | 'write' | 'replace';

/**
 * Why the start could not open the store folder `dir` as the `kinds` of store it holds, as the system's reason and
 * the file (`EACCES (permission denied): this user may not read /var/lib/iso8583/journal/reversals.jsonl`), or
 * `undefined` when it could: the folder itself by {@link pathProblem}'s rule, then each file the start opens that is
 * there already (a file left by a first run as another user, root's mode 0600, is what this finds). A journal's file
 * (`reversals.jsonl`) is read and renamed over by the compaction at start, a compaction's left-over
 * (`reversals.jsonl.tmp`) opened for writing; a lock (`reversals.lock`, `transactions.lock`) and its take-over gates
 * are read and, when their process is gone, removed; the transaction log's folder is listed, its two newest day files
 * read and today's appended to. In a sticky folder (mode `+t`) only the owner of a file or of the folder may rename
 * over it or remove it. A journal's folder must also have the free space of what a start writes there before the old
 * journal file is gone (connector's `journalOpenNeed`: the live records it holds, compacted, then the preallocated
 * part; `ENOSPC (no space left on device): 1048576 bytes free in DIR, …`). Nothing is opened or made. `need`: the
 * journal's file as the caller read it ({@link readJournalNeed}, which also says what it owes: the checks read the
 * file once for both; `undefined` when it could not be read, or the folder holds no journal).
 */
export function storeDirProblem(dir: string, kinds: readonly StoreKind[], need: JournalOpenNeed | undefined): string | undefined {
  const problem = pathProblem(dir, 'folder') ?? (kinds.includes('journal') ? spaceProblem(dir, need ?? preallocatedOnly()) : undefined);
  if (problem !== undefined) return problem;
  let folder: Stats;
  try {
    folder = statSync(dir);
  } catch (err) {
    // Still to be made: nothing in it yet.
    return (err as { code?: unknown }).code === 'ENOENT' ? undefined : systemReason(err);
  }
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch (err) {
    // The journal never lists its folder (only its take-over gates are looked for); the transaction log does.
    if (kinds.includes('transactions')) return `${systemReason(err)}: this user may not list ${dir}`;
  }
  const uses: [string, Use[]][] = [];
  const lock = (file: string) => [file, ...names.filter((n) => n.startsWith(`${file}.takeover-`))].forEach((n) => uses.push([n, ['read', 'replace']]));
  if (kinds.includes('journal')) {
    uses.push([JOURNAL_FILE, ['read', 'replace']], [`${JOURNAL_FILE}.tmp`, ['write']]);
    lock(LOCK_FILE);
  }
  if (kinds.includes('transactions')) {
    lock(TRANSACTION_LOCK_FILE);
    // The connector's own rule: which names are day files, and which of them a start reads back.
    for (const day of readAtOpen(dayFilesIn(names))) uses.push([day.name, ['read']]);
    uses.push([transactionFile(dayOf(Date.now())), ['write']]);
  }
  for (const [name, use] of uses) {
    const found = fileProblem(dir, folder, join(dir, name), use);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The small files a start makes in a store folder besides the journal's (each takes a block at least): the journal's
 * lock (a private file, then its hard link), the transaction log's lock, today's day file, and one spare.
 */
const SMALL_FILES = 4;

/** Bytes in whole blocks of `size` bytes (a file takes whole blocks). */
function blocks(bytes: number, size: number): number {
  return Math.ceil(bytes / size) * size;
}

/**
 * The journal file of the folder `dir` read once for the checks before a start: what a start writes there and what it
 * still owes (the connector's `journalOpenNeed`, its `owed` as `owedInJournalSync` says it); `undefined` when it cannot
 * be read (`EACCES`, `EISDIR`: {@link fileProblem} names it). No file: the preallocated part, nothing owed.
 */
export function readJournalNeed(dir: string): JournalOpenNeed | undefined {
  try {
    return journalOpenNeed(join(dir, JOURNAL_FILE));
  } catch {
    return undefined;
  }
}

/** What a start writes for a journal file it cannot read: the preallocated part only. */
function preallocatedOnly(): JournalOpenNeed {
  const preallocate = DEFAULT_JOURNAL_PREALLOCATE;
  return { owed: { ...NOTHING_OWED }, records: 0, preallocate, quarantine: 0, total: preallocate, reclaimed: 0 };
}

/**
 * Why a start could not write what `need` says in `dir` (or, still to be made, in the nearest folder above it), each
 * file in whole blocks of its file system, with the {@link SMALL_FILES} beside: fewer bytes free to this user
 * (`ENOSPC (no space left on device): 1048576 bytes free in DIR, …`, with the live records' share when there are
 * some); `undefined` when it could, or when the file system does not say.
 */
function spaceProblem(dir: string, need: JournalOpenNeed): string | undefined {
  let at = dir;
  while (!existsAt(at) && dirname(at) !== at) at = dirname(at);
  let free: number;
  let total: number;
  try {
    const fs = statfsSync(at);
    // A spare file a killed process left is removed by the start before it writes: its blocks are free for it.
    free = fs.bavail * fs.bsize + blocks(need.reclaimed, fs.bsize);
    total = blocks(need.records + need.preallocate, fs.bsize) + blocks(need.quarantine, fs.bsize) + SMALL_FILES * fs.bsize;
  } catch {
    return undefined;
  }
  if (free >= total) return undefined;
  const what =
    need.records === 0
      ? 'the journal file it writes, preallocated'
      : `the journal file it writes: the ${need.records} bytes of live records the journal holds, then the preallocated part, while the old file is still there`;
  return `${problemOf('ENOSPC')}: ${free} bytes free in ${at}, and a start needs ${total} at least (${what})`;
}

/** True when something is at `path`. */
function existsAt(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The sticky bit of a folder's mode (`S_ISVTX`; not in `fs.constants`). */
const STICKY = 0o1000;

/** Why this user cannot `use` the file `path` of the folder `dir` (its `folder` stats), if it is there. */
function fileProblem(dir: string, folder: Stats, path: string, uses: Use[]): string | undefined {
  let file: Stats;
  try {
    file = statSync(path);
  } catch (err) {
    return (err as { code?: unknown }).code === 'ENOENT' ? undefined : `${systemReason(err)}: ${path}`;
  }
  for (const use of uses) {
    if (use === 'replace') {
      const uid = process.getuid?.();
      const sticky = (folder.mode & STICKY) !== 0;
      if (sticky && uid !== undefined && uid !== 0 && file.uid !== uid && folder.uid !== uid) {
        return `${problemOf('EPERM')}: this user may not rename over or remove ${path} (another user's file in the sticky folder ${dir})`;
      }
      continue;
    }
    if (file.isDirectory()) return `${problemOf('EISDIR')}: ${path}`;
    try {
      accessSync(path, use === 'read' ? constants.R_OK : constants.W_OK);
    } catch (err) {
      return `${systemReason(err)}: this user may not ${use} ${path}`;
    }
  }
  return undefined;
}

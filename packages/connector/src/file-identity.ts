/**
 * Whether a name still names the file a process holds open: the same device and inode. A store that keeps writing
 * through its open handle after its file was removed, renamed or replaced by another file at its name (the folder
 * deleted with `rm -rf`, a restore moved into place, a second process that took the folder meanwhile) writes into a
 * file no later start reads, and reports its records durable though they are lost. A copy written over the file
 * (`cp` onto the name: the same inode, truncated and rewritten) is not seen: the name still names the file. A check is one `stat` of the name, synchronous on purpose: a
 * lookup of cached metadata (about a microsecond), cheaper than a trip to the thread pool, made once per batch of
 * records, not per record.
 */
import { statSync } from 'node:fs';

/** The device and inode of a file (what a name or a handle refers to). */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/**
 * Why `path` no longer names the file `id` (`removed`, `replaced by another file`, or the error's code when the name
 * cannot be looked up); `undefined` while it does. A file that has a name has a link, so a match also means that the
 * file was not unlinked.
 */
export function notNamed(path: string, id: FileIdentity): string | undefined {
  let stats;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    return `cannot be looked up (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (stats === undefined) return 'removed';
  return stats.dev === id.dev && stats.ino === id.ino ? undefined : 'replaced by another file';
}

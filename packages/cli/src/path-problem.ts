/**
 * Whether a path can be the log file or the journal folder a command will make and write, looked at without making or
 * opening anything (`gateway --check-config`, `run --check`): the one rule both follow, so a path the start would
 * refuse is refused by the check too, and the check never takes a lock or makes a file a running process owns.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { getSystemErrorMap } from 'node:util';

/** The system's reason for a failed file operation: `EISDIR (illegal operation on a directory)`. */
export function systemReason(err: unknown): string {
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  const text = typeof errno === 'number' ? getSystemErrorMap().get(errno)?.[1] : undefined;
  const name = typeof code === 'string' ? code : 'error';
  return text === undefined ? name : `${name} (${text})`;
}

/** A system error of `code` for {@link pathProblem}'s look without opening. */
function problemOf(code: string): string {
  const errno = [...getSystemErrorMap()].find(([, [name]]) => name === code)?.[0];
  return systemReason({ code, errno });
}

/**
 * Why `path` cannot be the `kind` (a file appended to, or a folder whose files are made and written) a start will
 * make and open, as the system's reason (`ENOTDIR (not a directory)`), or `undefined` when it can. Nothing is made or
 * opened, and only what holds for any user is asked of what is still to be made: a `file` that is there must not be a
 * folder and must be writable; a `folder` that is there must be a folder this user may write and enter; the nearest
 * existing folder above a path still to be made must be a folder (whether the service's user may make it there is
 * known at the start: the doc samples' `/var/lib/...` paths pass for any user).
 */
export function pathProblem(path: string, kind: 'file' | 'folder'): string | undefined {
  try {
    let at = path;
    for (;;) {
      let isDirectory: boolean;
      try {
        isDirectory = statSync(at).isDirectory();
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ENOENT' || dirname(at) === at) throw err;
        at = dirname(at);
        continue;
      }
      if (at === path && kind === 'file') {
        if (isDirectory) return problemOf('EISDIR');
        accessSync(at, constants.W_OK);
        return undefined;
      }
      if (!isDirectory) return problemOf('ENOTDIR');
      if (at === path) accessSync(at, constants.W_OK | constants.X_OK);
      return undefined;
    }
  } catch (err) {
    return systemReason(err);
  }
}

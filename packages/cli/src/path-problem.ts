/**
 * Whether a path can be the log file or the journal folder a command will make and write, looked at without making or
 * opening anything (`gateway --check-config`, `run --check`): the one rule the start and the check follow, so a path
 * the start would refuse is refused by the check too. The files a store folder holds: store-dir-problem.ts. Only the
 * connector's error texts are loaded here (every command's logger checks its log file), not the connector.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { errnoOf, systemReason } from '@iso8583/connector/errors';

/** The system's reason for a failed file operation: `EISDIR (illegal operation on a directory)` (the connector's, one rule). */
export { systemReason };

/** A system error of `code` for a look without opening (`EISDIR (illegal operation on a directory)`). */
export function problemOf(code: string): string {
  return systemReason({ code, errno: errnoOf(code) });
}

/**
 * Why `path` cannot be the `kind` (a file appended to, or a folder whose files are made and written) a start will
 * make and open, as the system's reason (`ENOTDIR (not a directory)`), or `undefined` when it can. Nothing is made or
 * opened; what the start needs is asked, of this user (run the check as the user the start runs as: the unit's
 * `ExecStartPre` does): a `file` that is there must not be a folder and must be writable; a `folder` that is there
 * must be a folder this user may write and enter; for a path still to be made, the nearest existing folder above it
 * must be a folder this user may write and enter, as making the path there needs
 * (`EACCES (permission denied): this user may not make /var/lib/iso8583/journal in /var/lib`). A folder that systemd's
 * `StateDirectory=` or `LogsDirectory=` makes for the service is there before `ExecStartPre` runs.
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
      if (at === path) {
        accessSync(at, constants.W_OK | constants.X_OK);
        return undefined;
      }
      try {
        accessSync(at, constants.W_OK | constants.X_OK);
      } catch (err) {
        return `${systemReason(err)}: this user may not make ${path} in ${at}`;
      }
      return undefined;
    }
  } catch (err) {
    return systemReason(err);
  }
}

/**
 * A temporary folder removed after the test's other `after` hooks. node:test runs a test's `after` hooks in the order
 * they were registered (Node 20), so a removal registered when its folder is made runs before the hooks registered
 * later that stop what writes into it (a connector's journal and transaction log, a gateway, a child `iso8583`): a
 * batch still being written then failed the removal (`ENOTEMPTY`), or the writer made the folder again. Here the
 * removal, when its turn comes, registers itself again at the end (node:test runs a hook added while it runs the
 * hooks), so it runs after every hook registered before it ran: helpers that make a folder and helpers that start
 * what writes into it can be called in any order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What {@link tempFolder} needs of a test's context (node:test's `TestContext`). */
export interface AfterHooks {
  after(fn: () => unknown): void;
}

/**
 * A new folder named `prefix`… under the system's temporary folder, removed (recursively) after every `after` hook
 * the test registered before the removal's turn came, whenever they were registered (see the file's opening comment).
 */
export function tempFolder(t: AfterHooks, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let deferred = false;
  const remove = (): void => {
    if (!deferred) {
      deferred = true;
      t.after(remove);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  t.after(remove);
  return dir;
}

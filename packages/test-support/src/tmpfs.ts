/**
 * A real small disk for the tests of a full one: a tmpfs of a given size mounted on a folder of its own. Mounting
 * needs root; elsewhere the test is skipped, saying why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What {@link tmpfsFolder} needs of a test's context (node:test's `TestContext`). */
export interface TmpfsTest {
  after(fn: () => unknown): void;
  skip(message?: string): void;
}

/**
 * A new folder named `prefix`… under the system's temporary folder with a tmpfs of `size` (as `mount -o size=`,
 * e.g. `1m`) mounted on it, unmounted and removed after the test; `undefined` when it cannot be mounted (the test is
 * then skipped: return from it).
 */
export function tmpfsFolder(t: TmpfsTest, size: string, prefix: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  t.after(() => {
    if (mounted.status === 0) spawnSync('umount', ['-l', dir]); // lazy: detached even while a file on it is held open
    rmSync(dir, { recursive: true, force: true });
  });
  if (mounted.status === 0) return dir;
  t.skip(`cannot mount a tmpfs (needs root): ${mounted.stderr.trim()}`);
  return undefined;
}

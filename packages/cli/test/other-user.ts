/**
 * Runs the real binary as a user that files made by this test may refuse, so that a permission test can fail under
 * root (the sandbox and CI), which reads and writes anything: as root, the child runs as `nobody` (uid and gid 65534)
 * and a file made by root with mode 0600 is closed to it; as any other user, the child runs as this user and a file's
 * mode 000 closes it. The test's folder must let the other user in (mode 0755), and its work folders be the other
 * user's own ({@link giveFolder}). When uid 65534 cannot run the compiled binary (a checkout under a folder it may not
 * enter), {@link otherUserSkip} says so and the tests are skipped.
 */
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMainBatch } from '@iso8583/test-support';
import type { BatchResult } from '@iso8583/test-support';
import { BIN } from './cli-process.js';

/** True when this process is root (a file's mode does not stop it). */
export const AS_ROOT = process.getuid?.() === 0;

/** The user the binary runs as: `nobody` under root, this user otherwise. */
const AS = AS_ROOT ? { uid: 65534, gid: 65534 } : {};

/** Why the tests cannot run (the other user cannot run the compiled binary from this checkout), or `false`. */
export function otherUserSkip(): string | false {
  if (process.getuid === undefined) return 'no POSIX users on this platform';
  const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', ...AS });
  return r.status === 0 ? false : `uid 65534 cannot run ${BIN} from this checkout (a folder above it is closed to it): ${r.stderr.split('\n')[0] ?? ''}`;
}

/** A temporary folder the other user may enter (mode 0755), removed after the test. */
export function openFolder(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-perm-'));
  chmodSync(dir, 0o755);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Makes `dir` (mode 0700) the other user's own: it may write it, as a service's `StateDirectory=` is the service's. */
export function giveFolder(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (AS_ROOT) chownSync(dir, 65534, 65534);
  return dir;
}

/** Makes the file `path` (made by this process) the other user's own, as its own earlier run left it. */
export function giveFile(path: string): void {
  if (AS_ROOT) chownSync(path, 65534, 65534);
}

/** Closes the file `path` (made by this process) to the other user: root's mode 0600, or mode 000 for this user. */
export function closeFile(path: string): void {
  chmodSync(path, AS_ROOT ? 0o600 : 0);
}

/** Runs `iso8583 ...args` as the other user; a start that never fails is killed after `timeout` ms. */
export function runAsOther(args: string[], timeout = 60_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout, cwd: tmpdir(), ...AS });
}

/** Runs the one-shot command lines `lines` (without `iso8583`) in one batch child (runMainBatch) as the other user. */
export function batchAsOther(lines: string[][]): Promise<BatchResult[]> {
  return runMainBatch(lines.map((args) => ({ args })), undefined, { cwd: tmpdir(), ...AS });
}

/** Runs the ES module `script` (`node --input-type=module -e`) as the other user, with `env` added to this environment. */
export function runScriptAsOther(script: string, env: Record<string, string>): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: tmpdir(), env: { ...process.env, ...env }, ...AS });
}

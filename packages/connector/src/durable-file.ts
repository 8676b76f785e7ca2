/**
 * What it takes for bytes to be on disk: every write checked (a write may return fewer bytes than asked without
 * failing, for instance when the disk or the file size limit is reached), and the folder fsynced after a file is
 * created, renamed or removed in it (the name lives in the folder, not in the file).
 */
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { errnoOf } from './errors.js';

/** The error of a write that made no progress (no space left): `ENOSPC`, with its errno (its words in an error's text). */
function noProgress(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('the write made no progress (no space left on the device)');
  err.code = 'ENOSPC';
  err.errno = errnoOf('ENOSPC');
  return err;
}

/**
 * Writes all of `data` at `position` (`null`: at the end of a file opened for appending), repeating short writes;
 * throws when a write fails or makes no progress.
 */
export async function writeAll(handle: FileHandle, data: Uint8Array, position: number | null): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position === null ? null : position + done);
    if (bytesWritten <= 0) throw noProgress();
    done += bytesWritten;
  }
}

/** Makes the entries of a folder durable (after a create, rename or unlink in it): opens it read-only and fsyncs it. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** `size` newline bytes (0x0a): blank lines, which keep a JSON-lines file valid. */
export function newlines(size: number): Buffer {
  return Buffer.alloc(size, 0x0a);
}

/**
 * Blank lines written from, in chunks: made once and only ever read, so that preallocating a journal (4 MiB by
 * default, at each compaction) allocates, fills and faults in no new memory (measured: about 0.25 ms of the event
 * loop per MiB, and a page fault per 4 KiB).
 */
const BLANK = newlines(1024 * 1024);

/** The most buffers handed to one `writev` (the usual `IOV_MAX`). */
const MAX_VIEWS = 1024;

/**
 * Writes `data` (one buffer, or several in order) then `blank` newline bytes (blank lines) at `position` in one `writev`: the blank lines are views of
 * one shared buffer, repeated. Through an `O_DSYNC` handle this is one durable write instead of one per MiB (4 MiB of
 * growth measured at 7.8 ms as 4 writes, 5.8 ms as one `writev`, same run). Short writes are repeated, as
 * {@link writeAll} does; throws when a write fails or makes no progress.
 */
export async function writeThenBlank(handle: FileHandle, data: Uint8Array | readonly Uint8Array[], blank: number, position: number): Promise<void> {
  let views: Uint8Array[] = (data instanceof Uint8Array ? [data] : [...data]).filter((v) => v.length > 0);
  for (let done = 0; done < blank; done += BLANK.length) views.push(BLANK.subarray(0, Math.min(blank - done, BLANK.length)));
  let at = position;
  while (views.length > 0) {
    const { bytesWritten } = await handle.writev(views.length > MAX_VIEWS ? views.slice(0, MAX_VIEWS) : views, at);
    if (bytesWritten <= 0) throw noProgress();
    at += bytesWritten;
    views = after(views, bytesWritten);
  }
}

/** What is left of `views` once their first `n` bytes are written. */
function after(views: Uint8Array[], n: number): Uint8Array[] {
  let i = 0;
  let left = n;
  while (i < views.length && left >= (views[i] as Uint8Array).length) left -= (views[i++] as Uint8Array).length;
  const rest = views.slice(i);
  if (left > 0 && rest.length > 0) rest[0] = (rest[0] as Uint8Array).subarray(left);
  return rest;
}

/** Writes `size` newline bytes (blank lines) at `position` in one `writev` (see {@link writeThenBlank}). */
export function writeBlank(handle: FileHandle, size: number, position: number): Promise<void> {
  return writeThenBlank(handle, EMPTY, size, position);
}

const EMPTY = new Uint8Array(0);

/**
 * `O_DSYNC` where the platform defines it (Linux, macOS): writes through a handle opened with it are durable when they
 * return (what write + `fdatasync` gives, in one trip to the thread pool). Undefined elsewhere (Windows), where a write
 * is followed by `fdatasync`.
 */
export const SYNC_ON_WRITE: number | undefined = (constants as { O_DSYNC?: number }).O_DSYNC;

/**
 * Opens `path` with `flags` as a file of mode 0600 (it holds card data): the mode given to `open` applies only when it
 * creates the file, so one left with group or other bits (a leftover `.tmp` or spare file, a restore, another umask)
 * is set to 0600 through the handle before anything is written to it; one already private is left as it is (a file
 * this process may write but does not own, such as a restore's, can be used). The handle is closed when that fails:
 * the error then names the file and how to fix it (its `code`, such as `EPERM`, and `cause` the system's).
 */
export async function openPrivate(path: string, flags: string | number): Promise<FileHandle> {
  const handle = await open(path, flags, 0o600);
  try {
    const { mode, uid } = await handle.stat();
    if ((mode & 0o077) !== 0) {
      await handle.chmod(0o600).catch((err: NodeJS.ErrnoException) => {
        const why = `cannot make ${path} private (mode 0${(mode & 0o777).toString(8)}, owner uid ${uid}): ${err.code ?? err.message}; chown it to the user this process runs as, or remove its group and other bits (chmod 600)`;
        throw Object.assign(new Error(why, { cause: err }), { code: err.code, path });
      });
    }
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  return handle;
}

/** Opens an existing file for reading and writing, with `O_DSYNC` where the platform has it. */
export function openSynced(path: string): Promise<FileHandle> {
  return open(path, SYNC_ON_WRITE === undefined ? 'r+' : constants.O_RDWR | SYNC_ON_WRITE);
}

/**
 * Writes into `from` with `fill` and renames it over `path`, then fsyncs the folder. On a failure before the rename is
 * done (a write, the close, the rename itself) `from` is removed and `path` is untouched; the error is thrown.
 */
async function fillAndRename(from: string, flags: string, path: string, fill: (out: FileHandle) => Promise<void>): Promise<void> {
  const out = await openPrivate(from, flags);
  let closing = false;
  try {
    await fill(out);
    closing = true;
    await out.close();
    await rename(from, path);
  } catch (err) {
    // Whatever failed (the writes, the close, the rename), `from` does not outlive it: at a compaction it is the
    // journal's size in blank lines (4 MiB by default), left for good on a disk that may be full.
    if (!closing) await out.close().catch(() => undefined);
    await unlink(from).catch(() => undefined);
    // A failed write names no file: the one it was about is named (a full disk says which file it could not make).
    const failed = err as NodeJS.ErrnoException;
    if (typeof failed === 'object' && failed !== null && failed.path === undefined) failed.path = from;
    throw err;
  }
  await syncDir(dirname(path));
}

/**
 * Replaces `path` whole and durably: `text` (one buffer, or chunks in order) then `blank` newline bytes go to the
 * temporary file `from` (default `path.tmp`; mode 0600), fsynced, renamed over `path`, and the folder fsynced. On
 * failure the temporary file is removed and `path` is untouched.
 */
export function replaceFile(path: string, text: Uint8Array | readonly Uint8Array[], blank: number, from = `${path}.tmp`): Promise<void> {
  return fillAndRename(from, 'w', path, async (out) => {
    await writeThenBlank(out, text, blank, 0);
    await out.sync();
  });
}

/**
 * Replaces `path` durably with `from`, an existing file whose size is already on disk (a spare file made ahead): `text`
 * (one buffer, or chunks in order) is written at its start and `fdatasync`ed (the size needs no sync), then `from` is
 * renamed over `path` and the folder fsynced. On failure `from` is removed and `path` is untouched.
 */
export function replaceFrom(from: string, path: string, text: Uint8Array | readonly Uint8Array[]): Promise<void> {
  return fillAndRename(from, 'r+', path, async (out) => {
    await writeThenBlank(out, text, 0, 0);
    await out.datasync();
  });
}

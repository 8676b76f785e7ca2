/**
 * What it takes for bytes to be on disk: every write checked (a write may return fewer bytes than asked without
 * failing, for instance when the disk or the file size limit is reached), and the folder fsynced after a file is
 * created, renamed or removed in it (the name lives in the folder, not in the file).
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** The error of a write that made no progress (no space left): `ENOSPC`. */
function noProgress(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('the write made no progress (no space left on the device)');
  err.code = 'ENOSPC';
  return err;
}

/** Writes all of `data` at `position`, repeating short writes; throws when a write fails or makes no progress. */
export async function writeAll(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
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

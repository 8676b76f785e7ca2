/**
 * Compaction of the file journal: the live entries (each as its `add` line) become the whole of a new file, which
 * replaces the journal in one rename. They go to the spare file made ahead (journal-spare.ts) when they fill at most
 * half of it (a small write and `fdatasync`: its size is already on disk), or else to a new file followed by the
 * preallocated blank lines; either way the file is synced before the rename, and the folder after it (durable-file.ts),
 * so that a crash at any point leaves either the old journal or the new one, whole. The journal then reopens the new
 * file for writing at the end of the records.
 */
import type { FileHandle } from 'node:fs/promises';
import { openSynced, replaceFile, replaceFrom } from './durable-file.js';
import type { SpareFile } from './journal-spare.js';

/** The bytes the live entries take in a compacted file: their `add` lines, each ended by a newline. */
export function compactedText(live: ReadonlyMap<string, string>): Buffer {
  let text = '';
  for (const line of live.values()) text += line + '\n';
  return Buffer.from(text);
}

/** A compacted journal, open for writing. */
export interface Compacted {
  /** The new journal file, opened for writing (with `O_DSYNC` where the platform has it). */
  handle: FileHandle;
  /** The end of its records (where the next batch goes). */
  bytes: number;
  /** Its size: the records, then blank lines. */
  allocated: number;
  /** Whether it went into the spare file made ahead. */
  spare: boolean;
}

/**
 * Writes `text` (see {@link compactedText}) as the journal at `path`, through `spare` when one is ready and large
 * enough, else into a new file with `preallocate` blank bytes after it; returns it open for writing. On failure the
 * journal at `path` is untouched.
 */
export async function compactInto(path: string, text: Buffer, spare: SpareFile, preallocate: number): Promise<Compacted> {
  const from = text.length * 2 <= spare.size ? spare.take() : undefined;
  if (from === undefined) await replaceFile(path, text, preallocate);
  else await replaceFrom(from, path, text);
  const handle = await openSynced(path);
  return { handle, bytes: text.length, allocated: from === undefined ? text.length + preallocate : spare.size, spare: from !== undefined };
}

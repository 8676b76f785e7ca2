/**
 * Compaction of the file journal: the live entries (each as its `add` line) become the whole of a new file, which
 * replaces the journal in one rename. They go to the spare file made ahead (journal-spare.ts) when they fill at most
 * half of it (a small write and `fdatasync`: its size is already on disk), or else to a new file followed by the
 * preallocated blank lines; either way the file is synced before the rename, and the folder after it (durable-file.ts),
 * so that a crash at any point leaves either the old journal or the new one, whole. The journal then reopens the new
 * file for writing at the end of the records.
 */
import { statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { openSynced, replaceFile, replaceFrom } from './durable-file.js';
import { DEFAULT_JOURNAL_PREALLOCATE } from './journal-options.js';
import { nextTurn, readJournal } from './journal-read.js';
import { NOTHING_OWED, owedOf } from './journal-read-owed.js';
import type { JournalOwed } from './journal-read-owed.js';
import { quarantinesWhole } from './journal-quarantine.js';
import { readJournalFileSync } from './journal-tail.js';
import { addLine } from './journal-record.js';
import type { LiveSnapshot } from './journal-live.js';
import type { SpareFile } from './journal-spare.js';

/** `lines`, each ended by a newline, as bytes: what a compacted file holds of them. */
function linesBytes(lines: Iterable<string>): Buffer {
  let text = '';
  for (const line of lines) text += line + '\n';
  return Buffer.from(text);
}

/** `add` lines per chunk of {@link compactedChunks}: about 1 MiB for purchases' reversals (about 250 bytes a line). */
export const COMPACT_CHUNK_LINES = 4096;

/** The bytes of a snapshot's `add` lines, in chunks (see {@link compactedChunks}). */
export interface CompactedChunks {
  /** The chunks, in order: together, the bytes the live entries take in a compacted file. */
  chunks: Buffer[];
  /** Their total length. */
  bytes: number;
}

/**
 * The bytes the live entries take in a compacted file (their `add` lines, each ended by a newline), for `snapshot` (the
 * live entries' lines as they were when it was taken: journal-live.ts), taken and built in chunks of
 * {@link COMPACT_CHUNK_LINES} lines with a turn of the event loop between two. The one way both compactions build their
 * text: a compaction while running does not hold the appends for the whole text (about 0.6 s of CPU for 230,000 open
 * entries, measured), nor for a listing of every entry (about 110 ms at 100,000), only for one chunk (a few ms); nor
 * does the compaction at open hold the other journals opening beside it, or a connector already running (a gateway's
 * first upstream link, connecting and sending what its journal held, while the others' journals open).
 */
export async function compactedChunks(snapshot: LiveSnapshot): Promise<CompactedChunks> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for (let lines = snapshot.take(COMPACT_CHUNK_LINES); lines !== undefined; lines = snapshot.take(COMPACT_CHUNK_LINES)) {
    if (lines.length > 0) {
      const chunk = linesBytes(lines);
      chunks.push(chunk);
      bytes += chunk.length;
    }
    await nextTurn();
  }
  return { chunks, bytes };
}

/** What a start writes for an existing journal file before the old one is gone (see {@link journalOpenNeed}). */
export interface JournalOpenNeed {
  /**
   * What the file may still owe (journal-read-owed.ts `owedOf`, as `owedInJournalSync` reads it): its live entries
   * (`owed.entries`: reversals and advices not yet ended, what the start takes over and sends; of them the reversals),
   * and the damaged `add` records whose `done` is not in the file; `owed.owed` is the count a start with reversal and
   * SAF off refuses on. Read with the rest, so a check before a start reads the file once.
   */
  owed: JournalOwed;
  /** The compacted records: the live entries' `add` lines, as the start writes them. */
  records: number;
  /** The preallocated blank bytes after them. */
  preallocate: number;
  /** The lines that are not records, copied to a quarantine file first (journal-read.ts). */
  quarantine: number;
  /** All of it: the bytes of free space a start needs in the journal's folder. */
  total: number;
  /**
   * The bytes of a spare file a stopped or killed process left (`reversals.jsonl.next`): removed by the start before
   * it writes, so free for it too (0 when there is none).
   */
  reclaimed: number;
}

/** The size of the spare file beside the journal at `path` (journal-spare.ts), 0 when there is none. */
function spareBytes(path: string): number {
  try {
    return statSync(`${path}.next`).size;
  } catch {
    return 0;
  }
}

/**
 * The bytes a journal's open writes for the journal file at `path` while that file is still there: the bad lines to
 * quarantine, then the compacted file, `reversals.jsonl.tmp` (the live entries' `add` lines, then `preallocate` blank
 * bytes, default 4 MiB), which replaces the old file only once whole (journal.ts's `open`). The old file's space is
 * freed only by that rename, so a folder whose file system has fewer bytes free fails the start with `ENOSPC`. For a
 * check before a start (`gateway --check-config`, `run --check`): read synchronously up to the trailing blank run as a
 * restart reads it (journal-tail.ts: memory does not grow with the preallocated tail), nothing written, with what it
 * still owes (`owed`: the check's one reading of the file); a missing file needs the preallocated part only, and owes
 * nothing. A spare file a killed process left is removed by the start before it writes
 * (`reclaimed`: its bytes count as free). Throws what reading the file throws (`EACCES`, `EISDIR`) other than `ENOENT`.
 */
export function journalOpenNeed(path: string, preallocate = DEFAULT_JOURNAL_PREALLOCATE): JournalOpenNeed {
  // Up to the trailing blank run, as a restart reads it (journal-tail.ts): not the preallocated tail (up to 1 GiB).
  const read = readJournalFileSync(path);
  if (read === undefined) return { owed: { ...NOTHING_OWED }, records: 0, preallocate, quarantine: 0, total: preallocate, reclaimed: spareBytes(path) };
  const contents = readJournal(read.data);
  let records = 0;
  for (const entry of contents.live.values()) records += Buffer.byteLength(addLine(entry)) + 1;
  // A file in which no line is a record is renamed to quarantine whole: nothing written.
  const quarantine = quarantinesWhole(contents) ? 0 : contents.bad.reduce((n, b) => n + b.bytes.length + 1, 0);
  return { owed: owedOf(contents), records, preallocate, quarantine, total: records + preallocate + quarantine, reclaimed: spareBytes(path) };
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
 * Whether a compaction writing `bytes` of records goes into the spare file (of `spare.size` bytes) rather than a new
 * file with its whole preallocated part: when they take at most half of it. The one rule of each compaction
 * ({@link compactInto}, journal-next-file.ts) and of the close's choice to compact (journal.ts).
 */
export function spareFits(bytes: number, spare: Pick<SpareFile, 'size'>): boolean {
  return bytes * 2 <= spare.size;
}

/**
 * Writes `text` (the live entries' lines in chunks, {@link compactedChunks}) as the journal at `path`, through `spare`
 * when one is ready and large enough, else into a new file with `preallocate` blank bytes after it; returns it open
 * for writing. On failure the journal at `path` is untouched.
 */
export async function compactInto(path: string, text: CompactedChunks, spare: SpareFile, preallocate: number): Promise<Compacted> {
  const from = spareFits(text.bytes, spare) ? spare.take() : undefined;
  if (from === undefined) await replaceFile(path, text.chunks, preallocate);
  else await replaceFrom(from, path, text.chunks);
  const handle = await openSynced(path);
  return { handle, bytes: text.bytes, allocated: from === undefined ? text.bytes + preallocate : spare.size, spare: from !== undefined };
}

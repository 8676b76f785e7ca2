/**
 * How much of a journal file is read back: its bytes up to the trailing run of blank lines (the preallocated tail),
 * with at most two of its newlines kept (what the replay reads after the last line: cut short, or the file's end). The
 * tail is looked over a chunk at a time from the end and never held, so that reading a journal does not cost memory
 * that grows with `preallocate` (a 1 GiB preallocation read whole cost ~1.1 GB). One rule, {@link journalHeadReads},
 * driven by a restart's asynchronous read ({@link readJournalFile}) and by the synchronous one of the checks before a
 * start ({@link readJournalFileSync}: `journalOpenNeed`).
 */
import { closeSync, openSync, fstatSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** The chunk the trailing blank run of a journal file is looked over in, from its end: 1 MiB. */
const TAIL_CHUNK = 1024 * 1024;

/** Newlines: a run of blank lines is compared with them this many bytes at a time. */
const NEWLINES = Buffer.alloc(64 * 1024, 0x0a);

/**
 * Where the run of newlines of `data` that begins at `start` ends, looking no further than `limit` (compared
 * {@link NEWLINES}' length at a time): the one pass over blank lines of the tail's read and of the replay
 * (journal-read.ts).
 */
export function blankEnd(data: Buffer, start: number, limit: number): number {
  let at = start;
  const n = NEWLINES.length;
  while (at + n <= limit && data.compare(NEWLINES, 0, n, at, at + n) === 0) at += n;
  while (at < limit && data[at] === 0x0a) at += 1;
  return at;
}

/** One read {@link journalHeadReads} asks for: `length` bytes of the file at `position`, into `buffer` at `offset`. */
export interface JournalRead {
  buffer: Buffer;
  offset: number;
  length: number;
  position: number;
}

/** A journal file's bytes read back (see the module comment), and the file's length. */
export interface JournalFileBytes {
  /** The bytes up to the trailing blank run, with at most two of its newlines. */
  data: Buffer;
  /** The file's length in bytes. */
  size: number;
}

/**
 * The reads that take a journal file of `size` bytes back (see the module comment): each step yields the read to make
 * and is given the bytes it read; returns the bytes kept.
 */
export function* journalHeadReads(size: number): Generator<JournalRead, Buffer, number> {
  const chunk = Buffer.allocUnsafe(Math.min(TAIL_CHUNK, Math.max(size, 1)));
  // The last byte that is not a newline: -1 when there is none.
  let last = -1;
  for (let end = size; end > 0 && last < 0; ) {
    const from = Math.max(0, end - chunk.length);
    const bytesRead = yield { buffer: chunk, offset: 0, length: end - from, position: from };
    // A chunk of newlines alone (most of a large tail) is passed over in one comparison, not a byte at a time.
    if (bytesRead === end - from && blankEnd(chunk, 0, bytesRead) === bytesRead) {
      end = from;
      continue;
    }
    for (let i = bytesRead - 1; i >= 0; i--) {
      if (chunk[i] !== 0x0a) {
        last = from + i;
        break;
      }
    }
    end = from;
  }
  const keep = Math.min(size, last + 1 + 2);
  const data = Buffer.allocUnsafe(keep);
  let at = 0;
  while (at < keep) {
    const bytesRead = yield { buffer: data, offset: at, length: keep - at, position: at };
    if (bytesRead === 0) break;
    at += bytesRead;
  }
  return at === keep ? data : data.subarray(0, at);
}

/**
 * The journal file at `path` read back (see the module comment), in turns of the event loop: what a restart reads.
 * `undefined` when there is no file yet; throws what opening or reading it throws otherwise.
 */
export async function readJournalFile(path: string): Promise<JournalFileBytes | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return undefined;
  }
  try {
    const { size } = await handle.stat();
    const reads = journalHeadReads(size);
    let step = reads.next();
    while (step.done !== true) {
      const r = step.value;
      step = reads.next((await handle.read(r.buffer, r.offset, r.length, r.position)).bytesRead);
    }
    return { data: step.value, size };
  } finally {
    await handle.close();
  }
}

/**
 * {@link readJournalFile}, synchronously: for a check before a start (`journalOpenNeed`), which reads and writes
 * nothing else. `undefined` when there is no file; throws what opening or reading it throws otherwise.
 */
export function readJournalFileSync(path: string): JournalFileBytes | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return undefined;
  }
  try {
    const { size } = fstatSync(fd);
    const reads = journalHeadReads(size);
    let step = reads.next();
    while (step.done !== true) {
      const r = step.value;
      step = reads.next(readSync(fd, r.buffer, r.offset, r.length, r.position));
    }
    return { data: step.value, size };
  } finally {
    closeSync(fd);
  }
}

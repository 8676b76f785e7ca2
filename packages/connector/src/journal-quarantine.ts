/**
 * Where a journal's bad lines go at start (journal-read.ts finds them): a quarantine file beside the journal
 * (`reversals.jsonl.corrupt-<time>`, mode 0600, fsynced with its folder before the journal is rewritten), one bad line
 * per line, or the whole file renamed there when no line of it is a record. A start that fails after it (a disk too
 * full for the compaction at open) leaves that file, and the next start, finding the same bytes in it, names it
 * rather than writing them again; a quarantine write that fails leaves nothing behind.
 */
import { chmod, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { syncDir, writeAll } from './durable-file.js';
import type { JournalContents } from './journal-read.js';

/**
 * Whether {@link quarantine} keeps the whole file (renamed as it is) rather than its bad lines: no line of it is a
 * record, and not every bad line is a crash cut. The one rule for the quarantine and for what a start writes
 * (journal-compaction.ts `journalOpenNeed`).
 */
export function quarantinesWhole(contents: JournalContents): boolean {
  return contents.records === 0 && !contents.bad.every((b) => b.cut);
}

/** A quarantine file name beside the journal that does not exist yet. */
function quarantineName(path: string, n: number): string {
  const time = new Date().toISOString().replace(/[-:.]/g, '');
  return `${path}.corrupt-${time}${n === 0 ? '' : `-${n}`}`;
}

/**
 * The quarantine file beside the journal `path` that holds exactly `bytes` (kept by an earlier start that failed
 * after it, such as on a disk too full for the compaction at open), fsynced again; `undefined` when there is none.
 */
async function keptBefore(path: string, bytes: Buffer): Promise<string | undefined> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.corrupt-`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const file = join(dir, name);
    try {
      if ((await stat(file)).size !== bytes.length || !(await readFile(file)).equals(bytes)) continue;
      const handle = await open(file, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      return file;
    } catch {
      // Gone meanwhile, or not readable: not the one.
    }
  }
  return undefined;
}

/**
 * Puts the quarantined bytes at `target` (a new name: `EEXIST` when it is taken): the journal file itself renamed
 * there when `whole` (made mode 0600 first), else `bytes` written and fsynced. On a failure nothing is left at
 * `target` (a full disk left an empty or partial file at every failed start).
 */
async function keep(path: string, target: string, whole: boolean, bytes: Buffer): Promise<void> {
  const out = await open(target, 'wx', 0o600);
  try {
    if (whole) {
      await out.close();
      // Mode 0600 as every quarantine file, whatever mode a restore gave the journal file.
      await chmod(path, 0o600);
      await rename(path, target);
    } else {
      try {
        await writeAll(out, bytes, 0);
        await out.sync();
      } finally {
        await out.close();
      }
    }
  } catch (err) {
    await unlink(target).catch(() => undefined);
    throw err;
  }
}

/**
 * Moves the bad lines of `path` to a quarantine file (fsynced, with its folder) and logs them: `warn` with
 * `ISO8583_WARN_JOURNAL_CORRUPT` and the byte offsets, or `info` with `ISO8583_WARN_JOURNAL_CUT` when every bad line
 * is a record a crash cut. When no line is a record the file itself is renamed. Bad lines that a quarantine file
 * already holds, byte for byte (an earlier start failed after it kept them), are not written again: that file is
 * named. Never logs the bytes themselves (they may hold a PAN). Returns the quarantine file.
 */
export async function quarantine(path: string, contents: JournalContents, logger: Logger): Promise<string | undefined> {
  const { bad, records } = contents;
  if (bad.length === 0) return undefined;
  const dir = dirname(path);
  const offsets = bad.map((b) => b.offset);
  // Nothing in it is a record: the whole file is kept as it is.
  const whole = quarantinesWhole(contents);
  const bytes = whole ? Buffer.alloc(0) : Buffer.concat(bad.flatMap((b) => [b.bytes, Buffer.from('\n')]));
  let target = whole ? undefined : await keptBefore(path, bytes);
  for (let n = 0; target === undefined; n++) {
    const name = quarantineName(path, n);
    try {
      await keep(path, name, whole, bytes);
      target = name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  await syncDir(dir);
  // The file named whole: every upstream's journal is a `reversals.jsonl`, in a folder of its own.
  const context = { file: basename(path), path, quarantine: basename(target), offsets, records };
  if (bad.every((b) => b.cut)) {
    logger.info(
      { code: 'ISO8583_WARN_JOURNAL_CUT', ...context },
      'the reversal journal holds records cut by a crash (never durable, so no caller was answered on them; read as not written): kept in quarantine',
    );
  } else {
    const endsFile = bad.some((b) => b.endsFile === true);
    logger.warn(
      { code: 'ISO8583_WARN_JOURNAL_CORRUPT', ...context, whole: records === 0, ...(endsFile ? { endsFile } : {}) },
      endsFile
        ? 'the reversal journal file ends inside a record (cut short: truncated, or a crash while it grew): records after it may be lost; the rest moved to quarantine, every intact record recovered'
        : 'the reversal journal has lines that are not records: moved to quarantine, every intact record recovered',
    );
  }
  return join(dir, basename(target));
}

/**
 * The reversal journal: a reversal is written (and fsynced) before its original request leaves, so that a crash at
 * any point loses nothing; on the next start, every reversal not marked done is sent. The embedded journal is an
 * append-only file of JSON lines (`reversals.jsonl`) with group commit:
 * - records appended in the same turn of the event loop (e.g. the requests released by one read of responses) are
 *   gathered until `setImmediate` and go out in one write and one fsync;
 * - records appended while a write + fsync is in progress wait for it and then go out together in the next batch;
 * - every `add` resolves only after an fsync that began after its record was written (never earlier), so a request
 *   still leaves only once its reversal is durable; `done` records ride in the same batches and never start an fsync
 *   of their own while adds are flowing (they are flushed at the end of the turn when nothing else is).
 * The file is preallocated ahead of its records (empty lines), so that an fsync never has to commit a new file size.
 * It is compacted (live entries only) when opened and whenever its records grow past `compactAt`.
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { connectorError } from './errors.js';

/** A reversal waiting to be sent or answered. */
export interface JournalEntry {
  /** The entry's id (unique within the journal). */
  id: string;
  /** The reversal message (0400 / 0420 with field 90). */
  reversal: IsoMessage;
  /** When the entry was written (ms since the epoch). */
  at: number;
}

/** How a journal entry ended. */
export type JournalOutcome =
  /** The original request got its response, or never left: no reversal needed. */
  | 'not-needed'
  /** The reversal was answered by the host. */
  | 'reversed'
  /** The reversal was given up after `maxAttempts`. */
  | 'abandoned';

/** Where reversals are kept across restarts. */
export interface ReversalJournal {
  /** Opens the journal and returns the entries not marked done (oldest first). */
  open(): Promise<JournalEntry[]>;
  /** Adds an entry; resolves once it is durable (fsynced). */
  add(entry: JournalEntry): Promise<void>;
  /** Marks an entry done; resolves once durable. */
  done(id: string, outcome: JournalOutcome): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}

/** The size past which the file is rewritten with only its live entries (checked after each write). */
const COMPACT_AT = 64 * 1024 * 1024;

/**
 * The file is kept preallocated this far ahead of its records (newline bytes, written and fsynced: empty lines, so the
 * file stays JSON lines), so that a batch's fsync flushes data blocks only: an append would change the file size, and
 * every fsync would then commit metadata too (on ext4 this made each fsync 2-4 times slower).
 */
const PREALLOCATE = 4 * 1024 * 1024;

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** The embedded append-only file journal in a folder (created if missing; the file is mode 0600). */
export class FileJournal implements ReversalJournal {
  /** The journal file. */
  readonly path: string;
  private handle: FileHandle | undefined;
  private queue: string[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private batchCount = 0;
  private recordCount = 0;
  /** Where the next record goes (the end of the records). */
  private bytes = 0;
  /** The file size: records, then preallocated empty lines. */
  private allocated = 0;
  private readonly live = new Map<string, JournalEntry>();

  constructor(
    readonly dir: string,
    /** The file size (bytes) past which it is compacted while running. Default 64 MiB. */
    readonly compactAt: number = COMPACT_AT,
    /** How far (bytes) the file is preallocated ahead of its records. Default 4 MiB. */
    readonly preallocate: number = PREALLOCATE,
  ) {
    this.path = join(dir, 'reversals.jsonl');
  }

  /** Entries added and not yet done. */
  get size(): number {
    return this.live.size;
  }

  /** Write + fsync batches so far, and the records they carried (records / batches = the group commit factor). */
  get batches(): { batches: number; records: number } {
    return { batches: this.batchCount, records: this.recordCount };
  }

  async open(): Promise<JournalEntry[]> {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const live = new Map<string, JournalEntry>();
      let text = '';
      try {
        text = await readFile(this.path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      for (const line of text.split('\n')) {
        if (line === '') continue; // the preallocated tail is empty lines
        let record: { op?: string; id?: string; reversal?: IsoMessage; at?: number };
        try {
          record = JSON.parse(line) as typeof record;
        } catch {
          continue; // a line cut by a crash before its fsync completed: its request never left
        }
        if (typeof record.id !== 'string') continue;
        if (record.op === 'add' && record.reversal !== undefined) {
          live.set(record.id, { id: record.id, reversal: record.reversal, at: record.at ?? 0 });
        } else if (record.op === 'done') {
          live.delete(record.id);
        }
      }
      for (const [id, entry] of live) this.live.set(id, entry);
      await this.rewrite();
      return [...live.values()];
    } catch (err) {
      throw connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', 'the reversal journal cannot be opened', {
        field: 'reversal.journalDir',
        cause: err,
      });
    }
  }

  add(entry: JournalEntry): Promise<void> {
    this.live.set(entry.id, entry);
    return this.append(JSON.stringify({ op: 'add', ...entry }));
  }

  done(id: string, outcome: JournalOutcome): Promise<void> {
    this.live.delete(id);
    return this.append(JSON.stringify({ op: 'done', id, outcome, at: Date.now() }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing !== undefined || this.queue.length > 0) await (this.flushing ?? this.flush());
    await this.handle?.close();
    this.handle = undefined;
  }

  /**
   * Compaction: the live entries go to a new file, followed by preallocated zero bytes, fsynced, then renamed over the
   * old one, which is reopened for writing at the end of the records.
   */
  private async rewrite(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w', 0o600);
    const text = Buffer.from([...this.live.values()].map((e) => JSON.stringify({ op: 'add', ...e }) + '\n').join(''));
    await out.write(text, 0, text.length, 0);
    await out.write(Buffer.alloc(this.preallocate, 0x0a), 0, this.preallocate, text.length);
    await out.sync();
    await out.close();
    await this.handle?.close();
    await rename(tmp, this.path);
    this.handle = await open(this.path, 'r+');
    this.bytes = text.length;
    this.allocated = text.length + this.preallocate;
  }

  private append(line: string): Promise<void> {
    if (this.handle === undefined) {
      return Promise.reject(connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', 'the reversal journal is not open'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push(line + '\n');
      this.waiters.push({ resolve, reject });
      // In progress: the batch after it takes this record. Else: gather the rest of this turn first.
      if (this.flushing === undefined && !this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          if (this.flushing === undefined && this.queue.length > 0) void this.flush();
        });
      }
    });
  }

  /** Writes everything queued in one write and one fsync, then repeats while more was queued meanwhile. */
  private flush(): Promise<void> {
    this.flushing ??= this.writeQueued().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) void this.flush();
    });
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        const handle = this.handle;
        if (handle === undefined) throw new Error('journal closed');
        const text = Buffer.from(lines.join(''));
        const at = this.bytes;
        if (at + text.length > this.allocated) {
          // Past the preallocated part: more of it first (this batch's fsync commits the new size once), then the records.
          const grow = Math.max(this.preallocate, at + text.length - this.allocated);
          await handle.write(Buffer.alloc(grow, 0x0a), 0, grow, this.allocated);
          this.allocated += grow;
        }
        await handle.write(text, 0, text.length, at);
        await handle.datasync();
        this.batchCount += 1;
        this.recordCount += lines.length;
        this.bytes = at + text.length;
        if (this.bytes > this.compactAt) await this.rewrite();
        for (const w of waiters) w.resolve();
      } catch (err) {
        const error = connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', 'the reversal journal cannot be written', {
          field: 'reversal.journalDir',
          cause: err,
        });
        for (const w of waiters) w.reject(error);
      }
    }
  }
}

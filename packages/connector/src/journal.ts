/**
 * The embedded file store of the SAF queue (saf-store.ts): an `add` is durable before its request leaves, a `done`
 * before its caller sees the response, so a crash neither loses a reversal nor reverses what a caller saw approved. An
 * append-only file of JSON lines (`reversals.jsonl`, preallocated with blank lines) with group commit: batches written
 * at their offsets, several in flight, taking effect in order; a failed write repaired or the journal stopped
 * (journal-writes.ts, a base class), the records of reversals that undid nothing kept (journal-overtaken-writes.ts,
 * the class between).
 * Compaction (journal-compaction.ts): when opened; while running (journal-next-file.ts, beside the writes: appends are
 * held only for its last step) when due (journal-compaction-due.ts): when the records would outgrow the preallocated
 * part and answered ones dominate, past `compactAt`, every `compactInterval` ms after a `done`, and a failed one again
 * on a timer. The folder is locked by its opener (`reversals.lock`). Before a compaction, the file's name and the
 * lock's must still name this journal's files (journal-hold.ts). See docs/connector.md. Apart: the options, the lines,
 * a batch and its write, reading a file back, the spare file, the lock and file identity (journal-options, -record,
 * -batch, -read, -spare, -hold.ts).
 */
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { compactInto, compactedChunks, spareFits } from './journal-compaction.js';
import { systemCause } from './errors.js';
import { JournalHold, journalError, journalOpenError } from './journal-hold.js';
import { resolveJournalOptions } from './journal-options.js';
import type { FileJournalOptions } from './journal-options.js';
import { NextFile, RenameNotSynced } from './journal-next-file.js';
import { SpareFile } from './journal-spare.js';
import { REPLAY_TURN_LINES, loadJournal, nextTurn } from './journal-read.js';
import { addJsonLine, addLine, attemptLine, flat } from './journal-record.js';
import { OvertakenWrites } from './journal-overtaken-writes.js';
import type { JournalWriteStats } from './journal-batch.js';
import type { JournalEntry, JournalHalt, ReversalJournal } from './saf-store.js';

export type { JournalWriteStats } from './journal-batch.js';
export type { FileJournalOptions } from './journal-options.js';
export type { JournalEntry, JournalHalt, JournalOutcome, ReversalJournal, SafEntry, SafEntryKind, SafStore } from './saf-store.js';

/** Rounds of carrying the records that took effect during a compaction while appends go on, before the last one alone. */
const CARRY_ROUNDS = 3;

/** The error codes of a write that found no room: the spare file is not made again after a compaction failed so. */
const NO_ROOM = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** A `close` came while the journal opened: the open stops (journalError `was closed while it opened`). */
class ClosedWhileOpening extends Error {}

/** The journal file's name in its folder. */
export const JOURNAL_FILE = 'reversals.jsonl';

/**
 * The embedded append-only file journal in a folder (created if missing, mode 0700; the file is mode 0600). Emits
 * `compact` ({ live, bytes, spare }) after each compaction (`spare`: it went into the file made ahead).
 */
export class FileJournal extends OvertakenWrites implements ReversalJournal {
  /** Milliseconds between compactions while entries are marked done (0 = off). */
  readonly compactInterval: number;
  private compactions = 0;
  /** The next file, made ahead for the next compaction. */
  private readonly spare: SpareFile;
  /** The open running or done (never rejects): `close` waits for it. */
  private opening: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    options: FileJournalOptions = {},
  ) {
    const o = resolveJournalOptions(options);
    super(join(dir, JOURNAL_FILE), o);
    this.compactInterval = o.compactInterval;
    this.spare = new SpareFile(`${this.path}.next`, this.preallocate, this.logger);
  }

  /** Entries added and not yet done (durable state). */
  get size(): number {
    return this.live.size;
  }

  /** Write + fsync batches so far, the records they carried (records / batches = the group commit factor), compactions. */
  get batches(): { batches: number; records: number; compactions: number } {
    return { batches: this.batchCount, records: this.recordCount, compactions: this.compactions };
  }

  /** How long the batch writes took and how many were in flight at once (a copy). */
  get writeStats(): JournalWriteStats {
    return { ...this.figures };
  }

  /**
   * Takes the folder's lock, reads the file back and compacts it (over many turns of the event loop). A `close`
   * meanwhile waits for it: the open stops at its next safe point (before the compaction writes anything; once that
   * began, when it ended) and rejects with `ISO8583_ERR_CONNECTOR_JOURNAL`, the lock released only then.
   */
  open(): Promise<JournalEntry[]> {
    const opening = this.load();
    this.opening = opening.then(
      () => undefined,
      () => undefined,
    );
    return opening;
  }

  private async load(): Promise<JournalEntry[]> {
    try {
      // Makes the folder if missing (its parent fsynced: folder-lock.ts) and takes its lock.
      this.hold = await JournalHold.take(this.dir, this.path, this.logger);
    } catch (err) {
      if ((err as { code?: string }).code === 'ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED') throw err;
      throw journalOpenError(this.dir, err);
    }
    try {
      this.openGoesOn();
      const live = await loadJournal(this.path, this.logger, () => this.openGoesOn());
      // A turn between the replay's last chunk and the first chunk of lines: not both in one turn.
      await nextTurn();
      this.openGoesOn();
      // Each entry's line, as compactions write it, in the order of the file: in turns of the event loop too (about 1 s
      // of CPU for 230,000). The compaction takes them in that order, a chunk at a time (journal-live.ts).
      let made = 0;
      for (const [id, entry] of live) {
        this.live.set(id, addLine(entry));
        if (++made % REPLAY_TURN_LINES === 0) {
          await nextTurn();
          this.openGoesOn();
        }
      }
      // A spare file a killed process left (never read: journal-spare.ts) goes before the compaction writes the new
      // file beside the old one: on a disk with a few MiB free its space is what that write needs.
      await this.spare.discard();
      await this.rewrite();
      this.openGoesOn();
      this.due.start();
      return [...live.values()].map((e) => ({ ...e }));
    } catch (err) {
      this.live.clear();
      await this.handle?.close().catch(() => undefined);
      this.handle = undefined;
      // The folder is still this journal's (its lock held): a spare file there is its own (made, or left by a crash).
      await this.spare.discard(this.hold?.lost() === undefined);
      await this.release();
      if (err instanceof ClosedWhileOpening) throw journalError(`in ${this.dir} was closed while it opened`, undefined);
      throw journalOpenError(this.dir, err);
    }
  }

  /** Throws when `close` was called meanwhile: the open stops here (a safe point: the compaction has not begun or has ended). */
  private openGoesOn(): void {
    if (this.closed) throw new ClosedWhileOpening();
  }

  /** `add` of a reversal given as its JSON text (see `ReversalJournal.addJson`): the same line, no message object. */
  addJson(id: string, reversalJson: string, at: number): Promise<void> {
    // The caller keeps the text until the original's outcome is known: made flat here, in place, it is kept as one
    // string of about 300 bytes, not as the tree of its pieces (about 1.8 KB a purchase) that every scavenge copies.
    const line = flat(addJsonLine(id, flat(reversalJson), at));
    return this.append(line, id, line);
  }

  attempt(id: string, attempt: number): Promise<void> {
    return this.append(attemptLine(id, attempt), id, attempt);
  }

  /** Why the journal stopped for good (see `ReversalJournal.halted`), or once closed why its files were lost while idle; `undefined` while it runs or after a failed write it recovered from. */
  halted(): JournalHalt | undefined {
    return this.halt === undefined ? undefined : { ...this.halt };
  }

  /**
   * Waits for the writes in flight, fails an approval still waiting for the `done` of a late end of its booking
   * (journal-overtaken.ts `owedGiveUp`: the file owes that reversal), compacts once more when entries were marked done since the last compaction (not
   * with `compactInterval` 0: an answered request's card data does not stay in the file after a clean stop), closes the
   * file and releases the folder's lock. That last compaction goes into the spare file (waited for when still being
   * made: the close waits for it anyway); when none could be made it is skipped, as it would write and fsync the whole
   * `preallocate` (up to 1 GiB) during the stop: the next open compacts those records away.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // An open still running stops at its next safe point; the lock is released only once it ended.
    await this.opening;
    this.due.stop();
    const idle = (): Promise<void> =>
      new Promise<void>((resolve) => {
        this.idleWaiters.push(resolve);
        this.pump();
      });
    await idle();
    // An approval still waiting for the `done` of a late end of its booking fails: the file owes that reversal (journal-overtaken.ts).
    this.overtaken.owedGiveUp(journalError(`in ${this.dir} closed before the end of a reversal of an approved booking was recorded: the next start sends it`, undefined));
    // One last compaction (the `compactInterval` one, crash-safe as it is) when entries were marked done since the last
    // one: an answered request's card data does not stay in the file after a clean stop. Its failure is logged; the
    // records stay, and the next open compacts them. Not once stopped, never opened, or with `compactInterval` 0; nor
    // without a spare file the compaction would take (none ready, or too small for the live entries and the records
    // kept of reversals that undid nothing by the compaction's own rule, `spareFits`: it would write the whole
    // preallocated part in the stop), which is logged at
    // info: the answered records stay until the next open compacts them.
    if (this.compactInterval > 0 && this.handle !== undefined && !this.isStopped && this.due.doneSince > 0) {
      if ((await this.spare.whenReady()) && spareFits(this.live.bytes + this.overtaken.bytes(Date.now()), this.spare) && !this.isStopped) {
        await this.compact();
        this.due.stop();
        await idle();
      } else if (!this.isStopped) {
        this.logger.info(
          { code: 'ISO8583_WARN_JOURNAL_CLOSE_NOT_COMPACTED', path: this.path, done: this.due.doneSince },
          'the reversal journal is not compacted at close (no spare file large enough is ready): answered records stay in the file until the next open compacts them',
        );
      }
    }
    // Bytes of a failed batch left unblanked (a refused `done` among them): blanked now, or logged (journal-recovery.ts).
    await this.coverAtClose();
    // A close that fails (EIO: a deferred write error a network mount reports at close) still releases the lock below;
    // the close then rejects with the coded journal error (every batch was fsynced before it was acknowledged).
    const closeFailed = await this.handle?.close().then(
      () => undefined,
      (err: unknown) => ({ err }),
    );
    this.handle = undefined;
    // Its files lost while idle (nothing written since): what the connector's figures tell after the close.
    const why = this.hold?.lost();
    if (why !== undefined) this.halt ??= { reason: why, recordsLost: this.hold?.fileLost === true };
    // A spare file in a folder that is no longer this journal's, or that it never held (never opened, refused as
    // LOCKED, or its open failed and let go of it), is another journal's.
    await this.spare.discard(this.hold !== undefined && why === undefined);
    await this.release();
    if (closeFailed !== undefined) throw journalError(`in ${this.dir} could not be closed${systemCause(closeFailed.err)}`, closeFailed.err);
  }

  private async release(): Promise<void> {
    const hold = this.hold;
    this.hold = undefined;
    await hold?.release();
  }

  /**
   * The compaction of `open` (journal-compaction.ts; nothing else writes yet: its text built in chunks of the live
   * entries' lines, as while running, with turns of the event loop between them), then the journal goes on in the new
   * file.
   */
  private async rewrite(): Promise<void> {
    const text = await compactedChunks(this.live.snapshot());
    const next = await compactInto(this.path, text, this.spare, this.preallocate);
    await this.hold?.track(next.handle);
    await this.adopt(next.handle, next.bytes, next.allocated)?.close();
    this.due.compacted(0, next.bytes, next.bytes);
    this.compacted(next.bytes, next.spare);
  }

  /** The journal goes on in the compacted file `handle`, at the end of its records; returns the old handle, to close. */
  private adopt(handle: FileHandle, bytes: number, allocated: number): FileHandle | undefined {
    const old = this.handle;
    this.handle = handle;
    this.bytes = bytes;
    this.allocated = allocated;
    // The new file holds no failed batch's bytes: nothing is left to blank.
    this.dirtyEnd = 0;
    this.between = [];
    this.compactions += 1;
    return old;
  }

  /**
   * The folder's sync after a compaction's rename failed (in its last step: no write in flight, none started): the new
   * file, which holds every acknowledged record, is named the journal, but a crash may undo the rename and bring back
   * the old one (which holds them too). Either way a record written from now on could be lost: the journal stops now,
   * every append refused until it is opened again, and says why (not that its file was replaced, which is what its
   * path naming another file than the one it writes to would say). Its records stay on disk. The name is its file's
   * from now on (so `close` removes its own spare file).
   */
  private renameNotSynced(file: NextFile, err: RenameNotSynced): void {
    this.stopNow(`the sync of its folder ${err.dir} after a compaction's rename failed (${err.code ?? 'error'}): the rename may not be durable`, err.cause);
    this.hold?.follow(file.identity);
  }

  /** After a compaction (the old file closed): the next spare file is made in the background; `compact` is emitted. */
  private compacted(bytes: number, spare: boolean): void {
    if (!this.closed) this.spare.prepare();
    if (this.listenerCount('compact') > 0) this.emit('compact', { live: this.live.size, bytes, spare });
  }

  /**
   * A compaction while running (journal-next-file.ts): the live entries now (a snapshot of their lines taken, and their
   * text built, in chunks with turns of the event loop between: journal-live.ts, journal-compaction.ts's
   * `compactedChunks`) into the next file while appends go on, the batches that took effect meanwhile carried after
   * them (a few rounds beside the writes, the rest alone), then
   * the rename. True once the new file is the journal. A failure is logged (the journal goes on in the file it has,
   * and the spare file is made again for the retry), unless the journal's files were lost: it then stops at once
   * (not at the next append, whose write would go into the lost file).
   */
  protected async compact(): Promise<boolean> {
    // Never into a folder that is no longer this journal's (another process may own it by now).
    if (this.lostFiles(this.writing)) return false;
    // The snapshot (the live entries' lines as they are now, taken in chunks: a line that changes before it is taken is
    // taken as it was), and from now on the text of every batch that takes effect (in this turn: nothing in between).
    // Its text is built in chunks, appends going on between them.
    const snapshot = this.live.snapshot();
    // The reversals that undid nothing, kept while their window is open: before the live entries (a repeat of one among
    // them, or carried after, retires it when read back).
    const kept = this.overtaken.text(Date.now());
    const carried: string[] = [];
    this.carried = carried;
    const doneBefore = this.due.snapshot();
    let next: NextFile | undefined;
    let old: FileHandle | undefined;
    try {
      const text = await compactedChunks(snapshot);
      if (kept !== '') {
        const bytes = Buffer.from(kept);
        text.chunks.unshift(bytes);
        text.bytes += bytes.length;
      }
      next = await NextFile.write(this.path, text, this.spare, this.preallocate);
      const file = next;
      for (let round = 0; round < CARRY_ROUNDS && carried.length > 0; round++) await file.carry(Buffer.from(carried.splice(0).join('')));
      await this.whenQuiet(async () => {
        // Stopped meanwhile, or the folder no longer this journal's: nothing is renamed into it.
        if (this.closed && this.handle === undefined) throw new Error('the journal is closed');
        if (this.isStopped || this.lostFiles([])) throw new Error('the journal stopped');
        await file.carry(Buffer.from(carried.splice(0).join('')));
        this.carried = undefined;
        await file.install(this.path).catch((err: unknown) => {
          if (err instanceof RenameNotSynced) this.renameNotSynced(file, err);
          throw err;
        });
        this.hold?.follow(file.identity);
        old = this.adopt(file.handle, file.bytes, file.allocated);
        // Set by records that took effect in the old file meanwhile: the new one is measured from now on (due again
        // at once when the records carried after the snapshot took it past `compactAt`).
        this.due.compacted(doneBefore, file.bytes, text.bytes);
      });
      // Nothing writes to the old file any more: closed with appends going on.
      await old?.close().catch(() => undefined);
      this.compacted(file.bytes, file.spare);
      return true;
    } catch (err) {
      await next?.discard();
      const cause = (err as NodeJS.ErrnoException).code;
      this.logger.error({ code: 'ISO8583_ERR_CONNECTOR_JOURNAL', cause, path: this.path }, 'the reversal journal cannot be compacted');
      // It failed because the folder or the file is gone: the journal stops now (once the writes in flight returned).
      if (!this.isStopped && !this.isFailing && this.lostFiles(this.writing)) return false;
      // The spare file it took was removed: made again for the retry, unless there was no room for it.
      if (!this.closed && !this.isStopped && !NO_ROOM.has(cause ?? '')) this.spare.prepare();
      return false;
    } finally {
      this.carried = undefined;
    }
  }
}

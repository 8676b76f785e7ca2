/**
 * What the PostgreSQL transaction log keeps on disk when `close()` gives up on its database (`spillDir`): the batch in
 * doubt (sent, maybe committed; its answer never came) under its token, and the records never sent, each batch under a
 * token of its own, in one file written whole and synced (durable-file.ts: a temporary file fsynced, renamed, the
 * folder fsynced; mode 0600). The next `open()` replays every batch under its token (batch-token.ts): a batch whose
 * token the database already holds (23505) was stored by the earlier try, so nothing is ever stored twice, even when two
 * processes replay the same file. A file is removed once each of its batches is stored; one made for another database
 * or schema, or damaged, is left where it is and reported, never replayed.
 *
 * A process that stopped while writing one (a crash, power loss) leaves its temporary file (`.json.<pid>.tmp`), the
 * only copy of those records; a temporary file whose writer still runs (another process closing into the same folder)
 * is left to it (`writing`), never taken from under it. When it is whole (its checksum matches: the stop came after its fsync, before its rename) it
 * is what the rename would have made: the replay finishes that rename and replays it. Otherwise (cut short) it is
 * reported at every start and left where it is, never removed: what it holds is read by hand.
 *
 * What a file holds: the COPY rows of the records, as the table would (the allow-list's values, the PAN masked: first
 * 6 and last 4 digits), the tokens, the database it was made for (its name, schema and system identifier) and, from
 * format 2, the columns its rows fill (spill-file.ts). A file is replayed into the columns it names: a table a later
 * release gave more columns takes it (theirs NULL or their default); one that lacks a column it fills, or requires
 * (NOT NULL, no default) one it leaves out, refuses it (`columns`), and it is kept. Whatever wrote the file (an older
 * release, an edit), its rows go through the allow-list the live path writes through (spill-rows.ts): only the record's
 * columns (another refuses the file: `columns`), each value checked, the PAN masked; a row the allow-list refuses, or
 * torn, refuses the file whole (`record`), which is kept, nothing of it stored.
 */
import { readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { syncDir } from '../durable-file.js';
import { endEarlierTries, replayStatement, storedBefore, tryMark, waited } from './batch-token.js';
import { copyFrom } from './copy.js';
import { storeCause } from './pool.js';
import { allowListedSpill } from './spill-rows.js';
import { SPILL_NAME, parseSpill, sameDatabase, stillWritten, temporaryWriter } from './spill-file.js';
import type { DatabaseIdentity, SpillContent, SpillProblem } from './spill-file.js';
import { copyInto } from './transaction-sql.js';

/** What one file's replay did. */
export interface Replayed {
  file: string;
  /** Records stored now. */
  stored: number;
  /** Records an earlier try had stored already (their token was there): not stored again. */
  storedBefore: number;
  /** Why the file was not replayed whole (kept for the next start), when it was not. */
  reason?: string;
  /** {@link reason}, coded. */
  problem?: SpillProblem;
}

/** A column of the log's table: its name, and whether a row must give it (NOT NULL, no default, not an identity). */
interface TableColumn {
  name: string;
  required: boolean;
}

/** The columns of the log's table, as the database has them now. */
async function tableColumns(pool: pg.Pool): Promise<TableColumn[]> {
  const { rows } = await pool.query<TableColumn>(
    `SELECT attname AS name, attnotnull AND NOT atthasdef AND attidentity = '' AS required FROM pg_attribute
     WHERE attrelid = 'iso8583_transactions'::regclass AND attnum > 0 AND NOT attisdropped`,
  );
  return rows;
}

/** Why rows of `columns` cannot go into a table of `table`, or undefined when they can. */
function columnsProblem(columns: readonly string[], table: readonly TableColumn[]): string | undefined {
  const have = new Set(table.map((c) => c.name));
  const missing = columns.filter((c) => !have.has(c));
  if (missing.length > 0) return `it fills columns the table does not have (${missing.join(', ')}): written by a newer version of iso8583? replay it with that version`;
  const given = new Set(columns);
  const required = table.filter((c) => c.required && !given.has(c.name)).map((c) => c.name);
  if (required.length > 0) return `it does not fill columns the table requires (${required.join(', ')})`;
  return undefined;
}

/**
 * Replays the spill files of `dir` into the database of `pool` (`here`), each batch under its token, into the columns
 * its file names (waiting at most `lockTimeout` ms for an earlier try still running); a file is removed once all of
 * its batches are stored. Resolves with what each file's replay did (none when `dir` does not exist).
 */
export async function replaySpills(pool: pg.Pool, dir: string, here: DatabaseIdentity, lockTimeout: number): Promise<Replayed[]> {
  let all: string[];
  try {
    all = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const done: Replayed[] = [];
  const names = all.filter((n) => SPILL_NAME.test(n));
  for (const name of all) {
    const temporary = temporaryWriter(name);
    if (temporary === null) continue;
    const finished = stillWritten(dir, name, temporary.pid)
      ? ({ problem: 'writing', reason: `being written by process ${temporary.pid ?? '?'} (closing into this folder): left to it` } as const)
      : await finishWrite(dir, name, temporary.spill);
    if (finished === 'renamed') names.push(temporary.spill);
    else if (finished !== 'gone') done.push({ file: join(dir, name), stored: 0, storedBefore: 0, ...finished });
  }
  names.sort();
  let table: Promise<TableColumn[]> | undefined;
  for (const name of new Set(names)) {
    const file = join(dir, name);
    const replayed: Replayed = { file, stored: 0, storedBefore: 0 };
    done.push(replayed);
    let spill: ReturnType<typeof parseSpill>;
    try {
      spill = parseSpill(await readFile(file, 'utf8'));
    } catch (err) {
      // Replayed and removed by another process meanwhile (one folder, two starts): nothing left to do.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        done.pop();
        continue;
      }
      Object.assign(replayed, { problem: 'unreadable', reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? 'not JSON'})` });
      continue;
    }
    if (!('batches' in spill)) {
      Object.assign(replayed, spill);
      continue;
    }
    if (!sameDatabase(spill.database, here)) {
      Object.assign(replayed, { problem: 'database', reason: `made for another database (${spill.database.database}, schema ${spill.database.schema})` });
      continue;
    }
    let columns: string | undefined;
    try {
      columns = columnsProblem(spill.columns, await (table ??= tableColumns(pool)));
    } catch (err) {
      table = undefined;
      Object.assign(replayed, { problem: 'refused', reason: `the database did not take a batch (${storeCause(err)})` });
      continue;
    }
    if (columns !== undefined) {
      Object.assign(replayed, { problem: 'columns', reason: columns });
      continue;
    }
    // Through the allow-list, as the live path writes: nothing but the record's columns, the PAN masked (spill-rows.ts).
    const allowed = allowListedSpill(spill.columns, spill.batches);
    if (!('batches' in allowed)) {
      Object.assign(replayed, allowed);
      continue;
    }
    await replayFile(pool, { ...spill, batches: allowed.batches }, replayed, lockTimeout);
    if (replayed.reason === undefined) {
      await unlink(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await syncDir(dir);
    }
  }
  return done;
}

/** Stores the batches of `spill` in order, counting into `replayed`; stops at the first the database does not take. */
async function replayFile(pool: pg.Pool, spill: SpillContent, replayed: Replayed, lockTimeout: number): Promise<void> {
  const copy = copyInto(spill.columns);
  for (const batch of spill.batches) {
    const outcome = await replayBatch(pool, copy, batch, lockTimeout);
    const count = batch.rows.split('\n').length - 1;
    if (outcome === 'stored') replayed.stored += count;
    else if (outcome === 'storedBefore') replayed.storedBefore += count;
    else {
      replayed.problem = 'refused';
      replayed.reason = `the database did not take a batch (${storeCause(outcome.err)})`;
      return;
    }
  }
}

/**
 * The temporary file `name` of `dir` a stopped process left (for the spill `spill`): renamed to that spill when it is
 * whole ('renamed'), else why it is left where it is; 'gone' when it is no more (another process finished it).
 */
async function finishWrite(dir: string, name: string, spill: string): Promise<'renamed' | 'gone' | { problem: SpillProblem; reason: string }> {
  const from = join(dir, name);
  let text: string;
  try {
    text = await readFile(from, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'gone' : { problem: 'unfinished', reason: `an unfinished write, unreadable (${code ?? 'unknown'}): kept, not replayed` };
  }
  let problem: string | undefined;
  try {
    const parsed = parseSpill(text);
    if (!('batches' in parsed)) problem = parsed.reason;
  } catch {
    problem = 'not JSON';
  }
  if (problem !== undefined) return { problem: 'unfinished', reason: `an unfinished write (the process stopped while writing it: ${problem}): kept, not replayed` };
  try {
    await rename(from, join(dir, spill));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  await syncDir(dir);
  return 'renamed';
}

/**
 * Stores one kept batch under its token: 'stored', 'storedBefore' (an earlier try committed), or the error. A replay
 * that waited too long for an earlier try the server still runs (a try stranded mid-COPY when the process stopped, its
 * connection never closed on the server's side) ends that try's session, as a retry in a running log does
 * (batch-token.ts), and goes once more: the try then is committed (23505) or rolled back.
 */
async function replayBatch(pool: pg.Pool, copy: string, batch: { token: string; rows: string }, lockTimeout: number): Promise<'stored' | 'storedBefore' | { err: unknown }> {
  for (let ended = false; ; ended = true) {
    // This try's own mark: the look after a wait too long leaves its session alone (batch-token.ts `tryMark`).
    const mark = tryMark();
    try {
      await copyFrom(pool, replayStatement(copy, batch.token, lockTimeout, mark), Buffer.from(batch.rows, 'utf8'));
      return 'stored';
    } catch (err) {
      if (storedBefore(err)) return 'storedBefore';
      if (ended || !waited(err) || (await endEarlierTries(pool, batch.token, mark)) === undefined) return { err };
    }
  }
}

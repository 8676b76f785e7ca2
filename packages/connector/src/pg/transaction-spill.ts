/**
 * What the PostgreSQL transaction log keeps on disk when `close()` gives up on its database (`spillDir`): the batch in
 * doubt (sent, maybe committed; its answer never came) under its token, and the records never sent, each batch under a
 * token of its own, in one file written whole and synced (durable-file.ts: a temporary file fsynced, renamed, the
 * folder fsynced; mode 0600). The next `open()` replays every batch under its token (batch-token.ts): a batch whose
 * token the database already holds (23505) was stored by the earlier try, so nothing is ever stored twice, even when two
 * processes replay the same file. A file is removed once each of its batches is stored; one made for another database
 * or schema, or damaged, is left where it is and reported, never replayed.
 *
 * A process that stopped while writing one (a crash, power loss) leaves its temporary file (`.json.tmp`), the only
 * copy of those records. When it is whole (its checksum matches: the stop came after its fsync, before its rename) it
 * is what the rename would have made: the replay finishes that rename and replays it. Otherwise (cut short) it is
 * reported at every start and left where it is, never removed: what it holds is read by hand.
 *
 * What a file holds: the COPY rows of the records, as the table would (the allow-list's values, the PAN masked: first
 * 6 and last 4 digits), the tokens, and the database it was made for (its name, schema and system identifier).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { replaceFile, syncDir } from '../durable-file.js';
import { endEarlierTries, isToken, replayStatement, storedBefore, waited } from './batch-token.js';
import { copyFrom } from './copy.js';
import { storeCause } from './pool.js';

/** The database a spill is for: a file made for another one is never replayed. */
export interface DatabaseIdentity {
  /** The cluster's system identifier (`pg_control_system()`), null when the role may not read it. */
  system: string | null;
  /** `current_database()`. */
  database: string;
  /** `current_schema()` (the schema the log's tables are found in). */
  schema: string;
}

/** One batch kept: its token, whether it was in doubt (sent, maybe stored), and its COPY rows (each ending with a newline). */
export interface SpilledBatch {
  token: string;
  inDoubt: boolean;
  rows: readonly string[];
}

/** What one file's replay did. */
export interface Replayed {
  file: string;
  /** Records stored now. */
  stored: number;
  /** Records an earlier try had stored already (their token was there): not stored again. */
  storedBefore: number;
  /** Why the file was not replayed whole (kept for the next start), when it was not. */
  reason?: string;
}

const KIND = 'iso8583-pg-transaction-spill';
const NAME = /^transaction-spill-[0-9a-f]{24}\.json$/;
/** The temporary file a spill is written to before its rename (durable-file.ts). */
const TEMPORARY = /^transaction-spill-[0-9a-f]{24}\.json\.tmp$/;

/** The identity of the database `pool` reaches. */
export async function databaseIdentity(pool: pg.Pool): Promise<DatabaseIdentity> {
  const { rows } = await pool.query<{ database: string; schema: string | null }>('SELECT current_database() AS database, current_schema() AS schema');
  let system: string | null = null;
  try {
    system = (await pool.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')).rows[0]?.id ?? null;
  } catch {
    // A role without the right to read it: the name and schema are checked alone.
  }
  return { system, database: rows[0]?.database ?? '', schema: rows[0]?.schema ?? '' };
}

/** True when a spill made for `kept` may be replayed into `here`. */
export function sameDatabase(kept: DatabaseIdentity, here: DatabaseIdentity): boolean {
  return kept.database === here.database && kept.schema === here.schema && (kept.system === null || here.system === null || kept.system === here.system);
}

/** Writes `batches` (at least one) into a new file of `dir` (made 0700 if missing), whole and synced; resolves with its path. */
export async function writeSpill(dir: string, identity: DatabaseIdentity, batches: readonly SpilledBatch[]): Promise<string> {
  const first = batches[0];
  if (first === undefined) throw new Error('nothing to keep');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const body = JSON.stringify({ kind: KIND, version: 1, database: identity, keptAt: new Date().toISOString(), batches: batches.map((b) => ({ token: b.token, inDoubt: b.inDoubt, rows: b.rows.join('') })) });
  const path = join(dir, `transaction-spill-${first.token}.json`);
  // The body, then its SHA-256 on a line of its own: a file damaged at rest is found before a row of it is sent.
  await replaceFile(path, Buffer.from(`${body}\n${sha256(body)}\n`, 'utf8'), 0);
  return path;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A file's batches and database, or why it cannot be read. */
function parseSpill(text: string): { database: DatabaseIdentity; batches: { token: string; rows: string }[] } | string {
  const cut = text.indexOf('\n');
  const body = text.slice(0, cut);
  if (cut < 0 || text.slice(cut + 1).trim() !== sha256(body)) return 'damaged (its checksum does not match)';
  const parsed = JSON.parse(body) as { kind?: unknown; version?: unknown; database?: DatabaseIdentity; batches?: unknown };
  if (parsed.kind !== KIND || parsed.version !== 1 || typeof parsed.database !== 'object' || parsed.database === null || !Array.isArray(parsed.batches)) return 'not a spill this version writes';
  const batches = parsed.batches as { token?: unknown; rows?: unknown }[];
  if (!batches.every((b) => isToken(b.token) && typeof b.rows === 'string')) return 'not a spill this version writes';
  return { database: parsed.database, batches: batches as { token: string; rows: string }[] };
}

/**
 * Replays the spill files of `dir` into the database of `pool` (`here`), each batch under its token with `copy`
 * (waiting at most `lockTimeout` ms for an earlier try still running); a file is removed once all of its batches are
 * stored. Resolves with what each file's replay did (none when `dir` does not exist).
 */
export async function replaySpills(pool: pg.Pool, dir: string, here: DatabaseIdentity, copy: string, lockTimeout: number): Promise<Replayed[]> {
  let all: string[];
  try {
    all = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const done: Replayed[] = [];
  const names = all.filter((n) => NAME.test(n));
  for (const name of all.filter((n) => TEMPORARY.test(n))) {
    const finished = await finishWrite(dir, name);
    if (finished === 'renamed') names.push(name.slice(0, -'.tmp'.length));
    else if (finished !== 'gone') done.push({ file: join(dir, name), stored: 0, storedBefore: 0, reason: finished });
  }
  names.sort();
  for (const name of names) {
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
      replayed.reason = `unreadable (${(err as NodeJS.ErrnoException).code ?? 'not JSON'})`;
      continue;
    }
    if (typeof spill === 'string') {
      replayed.reason = spill;
      continue;
    }
    if (!sameDatabase(spill.database, here)) {
      replayed.reason = `made for another database (${spill.database.database}, schema ${spill.database.schema})`;
      continue;
    }
    for (const batch of spill.batches) {
      const outcome = await replayBatch(pool, copy, batch, lockTimeout);
      const count = batch.rows.split('\n').length - 1;
      if (outcome === 'stored') replayed.stored += count;
      else if (outcome === 'storedBefore') replayed.storedBefore += count;
      else {
        replayed.reason = `the database did not take a batch (${storeCause(outcome.err)})`;
        break;
      }
    }
    if (replayed.reason === undefined) {
      await unlink(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await syncDir(dir);
    }
  }
  return done;
}

/**
 * The temporary file `name` of `dir` a stopped process left: renamed to the spill it was written to be when it is
 * whole ('renamed'), else why it is left where it is; 'gone' when it is no more (another process finished it).
 */
async function finishWrite(dir: string, name: string): Promise<'renamed' | 'gone' | string> {
  const from = join(dir, name);
  let text: string;
  try {
    text = await readFile(from, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'gone' : `an unfinished write, unreadable (${code ?? 'unknown'}): kept, not replayed`;
  }
  let problem: string | undefined;
  try {
    const parsed = parseSpill(text);
    if (typeof parsed === 'string') problem = parsed;
  } catch {
    problem = 'not JSON';
  }
  if (problem !== undefined) return `an unfinished write (the process stopped while writing it: ${problem}): kept, not replayed`;
  try {
    await rename(from, from.slice(0, -'.tmp'.length));
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
    try {
      await copyFrom(pool, replayStatement(copy, batch.token, lockTimeout), Buffer.from(batch.rows, 'utf8'));
      return 'stored';
    } catch (err) {
      if (storedBefore(err)) return 'storedBefore';
      if (ended || !waited(err) || (await endEarlierTries(pool, batch.token)) === undefined) return { err };
    }
  }
}

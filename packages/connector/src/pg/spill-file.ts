/**
 * A spill file of the PostgreSQL transaction log (transaction-spill.ts replays them): what it holds, how it is named,
 * written and read.
 *
 * It holds the database it was made for (its name, schema and system identifier), the COPY columns its rows fill, in
 * their order (format 2; a file of format 1 names none: its rows fill {@link V1_COLUMNS}, the columns of the release
 * that wrote it), and its batches (each token and its COPY rows): the JSON on one line, then its SHA-256 on a line of
 * its own, so that a file damaged at rest is found before a row of it is sent. Because a file names its columns, a
 * later release whose table has more (a column added, NULL or its default for old rows) replays it as it was written.
 *
 * Its name is `transaction-spill-<token of its first batch>.json`. It is written whole to a temporary file named
 * after its writer, `<name>.<pid>.tmp`, fsynced, renamed, the folder fsynced (durable-file.ts): a replay finishes a
 * temporary file only when its writer is gone (see {@link temporaryWriter}), so that a process starting on a folder
 * another process is closing into never takes a file from under its writer (whose rename would fail and report the
 * records lost while they are kept). Releases before format 2 named it `<name>.tmp`, whoever wrote it.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { replaceFile } from '../durable-file.js';
import { isToken } from './batch-token.js';

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

/** A spill file read: its database, the columns its rows fill, its batches (the rows of each as one text). */
export interface SpillContent {
  database: DatabaseIdentity;
  columns: readonly string[];
  batches: { token: string; rows: string }[];
}

/**
 * Why a file is not replayed, coded (logged as `problem` with `ISO8583_WARN_TRANSACTION_LOG_SPILL`): `damaged` (its
 * checksum does not match), `format` (not a spill this version reads: another kind, or a newer format), `database`
 * (made for another database or schema), `columns` (it fills a column the table lacks, or leaves out one the table
 * requires), `refused` (the database did not take a batch), `unfinished` (a temporary file cut short by a process that
 * stopped while writing it), `writing` (a temporary file whose writer still runs), `unreadable`, `record` (a row the
 * transaction allow-list refuses, or torn: spill-rows.ts); `columns` also for a column outside the transaction record.
 */
export type SpillProblem = 'damaged' | 'format' | 'database' | 'columns' | 'refused' | 'unfinished' | 'writing' | 'unreadable' | 'record';

/** A problem and its words. */
export interface SpillRefusal {
  problem: SpillProblem;
  reason: string;
}

const KIND = 'iso8583-pg-transaction-spill';
/** The format written now: 2 names its columns. */
const FORMAT = 2;

/**
 * The columns every file of format 1 fills, in order (the release that wrote them named none): fixed here, whatever
 * the columns of later releases.
 */
export const V1_COLUMNS: readonly string[] = Object.freeze([
  'at', 'latency_ms', 'outcome', 'node', 'upstream', 'mti', 'response_mti', 'pan', 'processing_code', 'amount', 'currency',
  'transmission_time', 'stan', 'local_time', 'local_date', 'rrn', 'auth_code', 'response_code', 'terminal', 'merchant', 'error_code',
]);

/** A column name a file may give (written into the COPY's text: a plain lower-case identifier only). */
const COLUMN = /^[a-z_][a-z0-9_]{0,62}$/;

/** A spill file's name. */
export const SPILL_NAME = /^transaction-spill-[0-9a-f]{24}\.json$/;
/** A temporary file a spill is written to before its rename: `<name>.<pid>.tmp`, or `<name>.tmp` (releases before format 2). */
const TEMPORARY = /^(transaction-spill-[0-9a-f]{24}\.json)(?:\.(\d{1,10}))?\.tmp$/;

/** The spills this process is writing now (their temporary files): a replay of this process leaves them to it. */
const writingHere = new Set<string>();

/** The spill a temporary file's name is for and its writer's pid (`undefined`: a release that named none); null when it is not one. */
export function temporaryWriter(name: string): { spill: string; pid: number | undefined } | null {
  const m = TEMPORARY.exec(name);
  if (m === null) return null;
  return { spill: m[1] as string, pid: m[2] === undefined ? undefined : Number(m[2]) };
}

/**
 * True when the temporary file `name` (of `dir`) may still be written: its writer is this process, writing it now, or
 * another live process. A pid of this process not writing it is an earlier incarnation's (a container's pid 1 after a
 * restart). Pids are the host's (or the container's): processes of two pid namespaces sharing one folder cannot tell.
 */
export function stillWritten(dir: string, name: string, pid: number | undefined): boolean {
  // No pid (a release before format 2), or 0 (no process: `kill(0)` would signal our own group): not being written.
  if (pid === undefined || pid === 0) return false;
  if (pid === process.pid) return writingHere.has(join(dir, name));
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

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

/**
 * Writes `batches` (at least one), whose rows fill `columns` in order, into a new file of `dir` (made 0700 if missing),
 * whole and synced; resolves with its path.
 */
export async function writeSpill(dir: string, identity: DatabaseIdentity, columns: readonly string[], batches: readonly SpilledBatch[]): Promise<string> {
  const first = batches[0];
  if (first === undefined) throw new Error('nothing to keep');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const body = JSON.stringify({
    kind: KIND,
    version: FORMAT,
    database: identity,
    columns,
    keptAt: new Date().toISOString(),
    batches: batches.map((b) => ({ token: b.token, inDoubt: b.inDoubt, rows: b.rows.join('') })),
  });
  const path = join(dir, `transaction-spill-${first.token}.json`);
  const from = `${path}.${process.pid}.tmp`;
  writingHere.add(from);
  try {
    await replaceFile(path, Buffer.from(`${body}\n${sha256(body)}\n`, 'utf8'), 0, from);
  } finally {
    writingHere.delete(from);
  }
  return path;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A file's content, or why it cannot be replayed. Throws when its body is not JSON (a checksum that matches it aside). */
export function parseSpill(text: string): SpillContent | SpillRefusal {
  const cut = text.indexOf('\n');
  const body = text.slice(0, cut);
  if (cut < 0 || text.slice(cut + 1).trim() !== sha256(body)) return { problem: 'damaged', reason: 'damaged (its checksum does not match)' };
  const parsed = JSON.parse(body) as { kind?: unknown; version?: unknown; database?: DatabaseIdentity; columns?: unknown; batches?: unknown };
  if (parsed.kind !== KIND) return { problem: 'format', reason: 'not a spill this version writes' };
  if (typeof parsed.version === 'number' && Number.isSafeInteger(parsed.version) && parsed.version > FORMAT) {
    return { problem: 'format', reason: `written by a newer version of iso8583 (spill format ${parsed.version}; this version reads up to ${FORMAT}): replay it with that version` };
  }
  const shapeless = { problem: 'format', reason: 'not a spill this version writes' } as const;
  if ((parsed.version !== 1 && parsed.version !== 2) || typeof parsed.database !== 'object' || parsed.database === null || !Array.isArray(parsed.batches)) return shapeless;
  let columns = V1_COLUMNS;
  if (parsed.version === 2) {
    const named = parsed.columns;
    if (!Array.isArray(named) || named.length === 0 || !named.every((c) => typeof c === 'string' && COLUMN.test(c)) || new Set(named).size !== named.length) return shapeless;
    columns = named as string[];
  }
  const batches = parsed.batches as { token?: unknown; rows?: unknown }[];
  if (!batches.every((b) => isToken(b.token) && typeof b.rows === 'string')) return shapeless;
  return { database: parsed.database, columns, batches: batches as { token: string; rows: string }[] };
}

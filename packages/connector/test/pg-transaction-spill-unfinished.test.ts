// A process that stops (crash, power loss) while close() writes its spill leaves the temporary file, the only copy of
// those records. Whole (its checksum matches: the stop came between its fsync and its rename), the next open() finishes
// the rename and replays it, each batch once; cut short, it is reported at every start and left where it is, never
// removed. A temporary file whose writer still runs (another process closing into the same folder) is left to it,
// never taken from under it. Against a real PostgreSQL cluster, with real files and a real second process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { PgTransactionLog } from '../src/index.js';
import { newToken } from '../src/pg/batch-token.js';
import { TRANSACTION_COLUMNS, copyLine } from '../src/pg/transaction-sql.js';
import { databaseIdentity, writeSpill } from '../src/pg/spill-file.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { openOn, spillDatabase } from './helpers/pg-spill.js';
import type { SpillDatabase } from './helpers/pg-spill.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases({ shared: true });
before(() => pgs.start());
after(() => pgs.destroy());

/** A database with the log's schema, a spill of records 1 and 2 for it in a fresh folder (as close() writes it), its path. */
async function spillFor(t: TestContext, name: string): Promise<SpillDatabase & { file: string }> {
  const s = await spillDatabase(t, pgs, name);
  const file = await writeSpill(s.dir, await databaseIdentity(s.pool), TRANSACTION_COLUMNS, [
    { token: newToken(), inDoubt: true, rows: [copyLine(sampleRecord(1))] },
    { token: newToken(), inDoubt: false, rows: [copyLine(sampleRecord(2))] },
  ]);
  return { ...s, file };
}

test('a whole temporary spill (the stop came after its fsync, before its rename) is replayed by the next open and removed', async (t) => {
  const s = await spillFor(t, 'spill_tmp_whole');
  renameSync(s.file, `${s.file}.tmp`);
  const { log: next, lines } = await openOn(t, s.url, s.dir);
  assert.equal(await s.count(), 2, 'its records stored');
  assert.equal(next.stats().replayed, 2);
  assert.deepEqual(readdirSync(s.dir), [], 'replayed, then removed');
  const replayed = lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_KEPT');
  assert.equal(replayed?.['file'], s.file, 'reported under the name its rename would have given it');
  assert.equal(replayed?.['stored'], 2);
});

test('a temporary spill cut short is reported at every start and kept, never replayed nor removed', async (t) => {
  const s = await spillFor(t, 'spill_tmp_cut');
  const text = readFileSync(s.file, 'utf8');
  rmSync(s.file);
  const tmp = `${s.file}.tmp`;
  writeFileSync(tmp, text.slice(0, Math.floor(text.length / 2)), { mode: 0o600 });
  for (let start = 0; start < 2; start++) {
    const { lines } = await openOn(t, s.url, s.dir);
    const spill = lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL');
    assert.equal(spill?.['file'], tmp, `start ${start}: reported`);
    assert.match(String(spill?.['reason']), /an unfinished write/);
    assert.equal(await s.count(), 0, 'nothing of it stored');
    assert.deepEqual(readdirSync(s.dir), [`${s.file.split('/').at(-1) as string}.tmp`], 'kept where it is');
  }
});

test('a whole temporary spill whose writer still runs (another process closing into this folder) is left to it; replayed once that process is gone', async (t) => {
  const s = await spillFor(t, 'spill_tmp_writer');
  // Another process, alive: the writer named in the temporary file's name (`<spill>.<pid>.tmp`).
  const writer = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => writer.kill('SIGKILL'));
  await once(writer, 'spawn');
  const tmp = `${s.file}.${writer.pid ?? 0}.tmp`;
  renameSync(s.file, tmp);
  const { lines } = await openOn(t, s.url, s.dir);
  assert.equal(await s.count(), 0, 'not replayed while its writer runs');
  assert.deepEqual(readdirSync(s.dir), [tmp.split('/').at(-1)], 'left where its writer will rename it');
  const spill = lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL');
  assert.equal(spill?.['problem'], 'writing');
  assert.equal(spill?.['file'], tmp);

  const exited = once(writer, 'exit');
  writer.kill('SIGKILL');
  await exited;
  const next = new PgTransactionLog({ connectionString: s.url, spillDir: s.dir });
  t.after(() => next.close());
  await next.open();
  assert.equal(await s.count(), 2, 'replayed once its writer is gone');
  assert.deepEqual(readdirSync(s.dir), []);
});

test('a whole temporary spill named after this process but not being written by it (an earlier incarnation with the same pid) is replayed', async (t) => {
  const s = await spillFor(t, 'spill_tmp_samepid');
  renameSync(s.file, `${s.file}.${process.pid}.tmp`);
  const next = new PgTransactionLog({ connectionString: s.url, spillDir: s.dir });
  t.after(() => next.close());
  await next.open();
  assert.equal(await s.count(), 2);
  assert.deepEqual(readdirSync(s.dir), []);
});

test('two starts replaying one spillDir at once (two nodes of a host) store each batch of each file once, and remove the files', async (t) => {
  const s = await spillFor(t, 'spill_two_starts');
  // A second file, and the first left as a whole temporary file of a writer that is gone: both starts find both.
  const pool = new pg.Pool({ connectionString: s.url });
  t.after(() => pool.end());
  const second = await writeSpill(s.dir, await databaseIdentity(pool), TRANSACTION_COLUMNS, [{ token: newToken(), inDoubt: false, rows: [copyLine(sampleRecord(3)), copyLine(sampleRecord(4))] }]);
  renameSync(s.file, `${s.file}.tmp`);
  const logs = [0, 1].map(() => new PgTransactionLog({ connectionString: s.url, spillDir: s.dir }));
  for (const log of logs) t.after(() => log.close());
  await Promise.all(logs.map((log) => log.open()));
  assert.equal(await s.count(), 4, 'each record once');
  const { rows } = await pool.query<{ n: number }>('SELECT count(DISTINCT stan)::int AS n FROM iso8583_transactions');
  assert.equal(rows[0]?.n, 4);
  assert.equal(logs.reduce((sum, log) => sum + log.stats().replayed, 0) >= 4, true, 'replayed between them (a batch found stored by the other counts there too)');
  assert.deepEqual(readdirSync(s.dir), [], `both removed: ${second}`);
});

test('a whole temporary spill naming pid 0 (no process: a signal to pid 0 goes to our own group) is not taken for one being written: replayed', async (t) => {
  const s = await spillFor(t, 'spill_tmp_pid0');
  renameSync(s.file, `${s.file}.0.tmp`);
  const next = new PgTransactionLog({ connectionString: s.url, spillDir: s.dir });
  t.after(() => next.close());
  await next.open();
  assert.equal(await s.count(), 2);
  assert.deepEqual(readdirSync(s.dir), []);
});

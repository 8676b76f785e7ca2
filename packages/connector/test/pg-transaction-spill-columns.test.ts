// A spill names the columns its rows fill (format 2): replayed by a later release whose table has more columns, it is
// stored as it was written (the new columns NULL or their default); one the table cannot take (a column it lacks, or
// leaves out one it requires), or of a newer format, is refused with a coded problem and kept. A spill of format 1
// (no columns named) replays as before, into the columns of the release that wrote it. Against a real PostgreSQL
// cluster, with real files.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import { newToken } from '../src/pg/batch-token.js';
import { TRANSACTION_COLUMNS, copyLine } from '../src/pg/transaction-sql.js';
import { databaseIdentity, writeSpill } from '../src/pg/spill-file.js';
import type { DatabaseIdentity } from '../src/pg/spill-file.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { openOn, spillDatabase } from './helpers/pg-spill.js';
import type { SpillDatabase } from './helpers/pg-spill.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases();
before(() => pgs.start());
after(() => pgs.destroy());

/** A database with the log's schema, a fresh spill folder (made), a pool on the database and its identity. */
async function setUp(t: TestContext, name: string): Promise<SpillDatabase & { identity: DatabaseIdentity }> {
  const s = await spillDatabase(t, pgs, name);
  mkdirSync(s.dir, { mode: 0o700 });
  return { ...s, identity: await databaseIdentity(s.pool) };
}

/** Writes a spill file by hand (the JSON body, then its SHA-256 on a line of its own), as another release would; its path. */
function handSpill(dir: string, body: Record<string, unknown>, token: string): string {
  const text = JSON.stringify({ kind: 'iso8583-pg-transaction-spill', keptAt: new Date().toISOString(), ...body });
  const file = join(dir, `transaction-spill-${token}.json`);
  writeFileSync(file, `${text}\n${createHash('sha256').update(text, 'utf8').digest('hex')}\n`, { mode: 0o600 });
  return file;
}

/** A record's COPY row with its last `drop` columns cut off (the row an earlier release without them wrote). */
function rowWithout(n: number, drop: number): string {
  return `${copyLine(sampleRecord(n, { merchant: 'SHOP 1' })).slice(0, -1).split('\t').slice(0, -drop).join('\t')}\n`;
}

test('a spill that names fewer columns than this release writes (an earlier release) is replayed into them: the others NULL', async (t) => {
  const s = await setUp(t, 'spill_cols_fewer');
  const columns = TRANSACTION_COLUMNS.slice(0, -2);
  assert.deepEqual(TRANSACTION_COLUMNS.slice(-2), ['merchant', 'error_code'], 'the two columns left out');
  const file = await writeSpill(s.dir, s.identity, columns, [
    { token: newToken(), inDoubt: true, rows: [rowWithout(1, 2)] },
    { token: newToken(), inDoubt: false, rows: [rowWithout(2, 2), rowWithout(3, 2)] },
  ]);
  const { log, lines } = await openOn(t, s.url, s.dir);
  assert.equal(lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL'), undefined, 'nothing refused');
  assert.equal(await s.count(), 3);
  assert.equal(log.stats().replayed, 3);
  const { rows } = await s.pool.query<{ merchant: string | null; stan: string }>('SELECT merchant, stan FROM iso8583_transactions ORDER BY seq');
  assert.deepEqual(rows.map((r) => r.merchant), [null, null, null], 'the columns it did not name are NULL');
  assert.equal(rows.length, 3);
  assert.deepEqual(readdirSync(s.dir), [], `replayed and removed: ${file}`);
});

test('a spill of format 1 (no columns named) replays into the columns of its release, into a table with a column added since (its default)', async (t) => {
  const s = await setUp(t, 'spill_cols_v1');
  await s.pool.query("ALTER TABLE iso8583_transactions ADD COLUMN channel text NOT NULL DEFAULT 'pos'");
  handSpill(s.dir, { version: 1, database: s.identity, batches: [{ token: newToken(), inDoubt: false, rows: copyLine(sampleRecord(1)) + copyLine(sampleRecord(2)) }] }, newToken());
  const { lines } = await openOn(t, s.url, s.dir);
  assert.equal(lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL'), undefined, 'nothing refused');
  const { rows } = await s.pool.query<{ channel: string; terminal: string }>('SELECT channel, terminal FROM iso8583_transactions ORDER BY seq');
  assert.deepEqual(rows.map((r) => r.channel), ['pos', 'pos'], 'the added column takes its default');
  assert.deepEqual(readdirSync(s.dir), []);
});

test('a spill the table cannot take is refused with a coded problem and kept: a column the table lacks, a required column left out, a newer format, a column name that is no identifier', async (t) => {
  const s = await setUp(t, 'spill_cols_refused');
  const token = newToken();
  const cases: { body: Record<string, unknown>; problem: string; reason: RegExp }[] = [
    {
      body: { version: 2, database: s.identity, columns: [...TRANSACTION_COLUMNS, 'surcharge'], batches: [{ token: newToken(), inDoubt: false, rows: copyLine(sampleRecord(1)).replace('\n', '\t100\n') }] },
      problem: 'columns',
      reason: /columns the table does not have \(surcharge\)/,
    },
    { body: { version: 3, database: s.identity, columns: TRANSACTION_COLUMNS, batches: [] }, problem: 'format', reason: /newer version of iso8583 \(spill format 3/ },
    {
      body: { version: 2, database: s.identity, columns: ['at', 'outcome); DROP TABLE iso8583_transactions; --'], batches: [{ token: newToken(), inDoubt: false, rows: 'x\ty\n' }] },
      problem: 'format',
      reason: /not a spill this version writes/,
    },
  ];
  const files = cases.map((c, i) => handSpill(s.dir, c.body, `${token.slice(0, -1)}${i}`));
  const { lines } = await openOn(t, s.url, s.dir);
  for (const [i, c] of cases.entries()) {
    const line = lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL' && l['file'] === files[i]);
    assert.equal(line?.['problem'], c.problem, `case ${i}: ${JSON.stringify(line)}`);
    assert.match(String(line?.['reason']), c.reason);
  }
  assert.equal(await s.count(), 0, 'nothing of them stored');
  assert.equal(readdirSync(s.dir).length, cases.length, 'all kept');

  // A column the table requires (NOT NULL, no default) that a spill leaves out: refused, kept; replayed once the
  // table gives it a default.
  await s.pool.query("ALTER TABLE iso8583_transactions ADD COLUMN channel text NOT NULL DEFAULT 'pos'");
  await s.pool.query('ALTER TABLE iso8583_transactions ALTER COLUMN channel DROP DEFAULT');
  for (const f of files) rmSync(f);
  await writeSpill(s.dir, s.identity, TRANSACTION_COLUMNS, [{ token: newToken(), inDoubt: false, rows: [copyLine(sampleRecord(4))] }]);
  const refused = await openOn(t, s.url, s.dir);
  const line = refused.lines.find((l) => l['code'] === 'ISO8583_WARN_TRANSACTION_LOG_SPILL');
  assert.equal(line?.['problem'], 'columns');
  assert.match(String(line?.['reason']), /does not fill columns the table requires \(channel\)/);
  assert.equal(readdirSync(s.dir).length, 1, 'kept');
  await s.pool.query("ALTER TABLE iso8583_transactions ALTER COLUMN channel SET DEFAULT 'pos'");
  await openOn(t, s.url, s.dir);
  assert.equal(await s.count(), 1, 'replayed once the table can take it');
  assert.deepEqual(readdirSync(s.dir), []);
});

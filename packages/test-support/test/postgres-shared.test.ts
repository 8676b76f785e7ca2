import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { postgresBinDir } from '../src/postgres.js';
import { sharedPostgres } from '../src/postgres-shared.js';

function psql(url: string, sql: string): string {
  return execFileSync(join(postgresBinDir() ?? '', 'psql'), ['-tAX', '-d', url, '-c', sql], { encoding: 'utf8', stdio: 'pipe' }).trim();
}

test('sharedPostgres: one server for the process, a database name made once (another view gets a suffix, never reused once dropped), dropped by its view\'s destroy (its sessions ended), the server left running; stopping it is refused', async (t) => {
  const first = await sharedPostgres();
  const second = await sharedPostgres();
  assert.equal(second.port, first.port, 'the same server');
  const a = first.createDatabase('shared_check');
  const b = second.createDatabase('shared_check');
  assert.notEqual(b, a, 'the name another view took is not made again');
  assert.match(b, /\/shared_check_2$/);
  psql(a, 'create table t (n int); insert into t values (1)');
  psql(b, 'create table t (n int); insert into t values (2)');
  assert.equal(psql(a, 'select n from t'), '1');
  assert.equal(psql(b, 'select n from t'), '2', 'a database of its own');
  assert.throws(() => first.stopServer(), /take a cluster of your own/);
  assert.throws(() => first.startServer(), /take a cluster of your own/);
  // A session left open on the first view's database (a pool a failed file did not close) is ended by its destroy.
  const open = new pg.Client({ connectionString: a });
  await open.connect();
  t.after(() => open.end().catch(() => undefined));
  const ended = new Promise<Error>((resolve) => open.once('error', resolve));
  first.destroy();
  assert.match((await ended).message, /terminat/i, 'the open session was ended');
  assert.equal(psql(second.url, "select count(*) from pg_database where datname like 'shared_check%'"), '1', 'the first view\'s database dropped');
  assert.equal(psql(b, 'select n from t'), '2', 'the server still runs for the other view');
  second.destroy();
  assert.equal(psql(second.url, "select count(*) from pg_database where datname like 'shared_check%'"), '0');
  const third = await sharedPostgres();
  t.after(() => third.destroy());
  assert.match(third.createDatabase('shared_check'), /\/shared_check_3$/, 'a name dropped is not made again');
});

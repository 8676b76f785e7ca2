import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { postgresBinDir, startPostgres } from '../src/postgres.js';

function psql(url: string, sql: string): string {
  return execFileSync(join(postgresBinDir() ?? '', 'psql'), ['-tAX', '-d', url, '-c', sql], { encoding: 'utf8' }).trim();
}

test('startPostgres: a real server on a free port, its own databases, stopped and started again, then removed', async () => {
  const pg = await startPostgres();
  try {
    assert.equal(psql(pg.url, 'select 40 + 2'), '42');
    const url = pg.createDatabase('harness_check');
    psql(url, 'create table t (n int); insert into t values (7)');
    pg.stopServer();
    assert.throws(() => psql(url, 'select 1'), /Connection refused|could not connect|connection to server/);
    pg.startServer();
    assert.equal(psql(url, 'select n from t'), '7');
  } finally {
    pg.destroy();
  }
  assert.throws(() => psql(pg.url, 'select 1'));
});

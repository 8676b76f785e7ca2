import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ephemeralPorts } from '../src/port-reservation.js';
import { postgresBinDir, startPostgres } from '../src/postgres.js';

function psql(url: string, sql: string): string {
  return execFileSync(join(postgresBinDir() ?? '', 'psql'), ['-tAX', '-d', url, '-c', sql], { encoding: 'utf8' }).trim();
}

test('startPostgres: a real server on a free port, its own databases, stopped and started again on its reserved port, then removed', async () => {
  const pg = await startPostgres();
  try {
    assert.equal(psql(pg.url, 'select 40 + 2'), '42');
    const url = pg.createDatabase('harness_check');
    psql(url, 'create table t (n int); insert into t values (7)');
    pg.stopServer();
    assert.throws(() => psql(url, 'select 1'), /Connection refused|could not connect|connection to server/);
    // Down, its port is still its own: not one the system hands out (a port-0 listen elsewhere, the local end of a
    // connection), and reserved against the other test processes, so the restart finds it free.
    const [low] = ephemeralPorts();
    assert.ok(pg.port < low, `port ${pg.port} is below the system's range (from ${low})`);
    assert.equal(readFileSync(join(tmpdir(), 'iso8583-ports', String(pg.port)), 'utf8'), `${process.pid}\n`);
    pg.startServer();
    assert.equal(psql(url, 'select n from t'), '7');
  } finally {
    pg.destroy();
  }
  assert.throws(() => psql(pg.url, 'select 1'));
  assert.equal(existsSync(join(tmpdir(), 'iso8583-ports', String(pg.port))), false, 'the reservation is released');
});

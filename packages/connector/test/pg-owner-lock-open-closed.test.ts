// A journal closed while its open was taking the owner lock: the open fails as a start stopped by the close
// (`ISO8583_ERR_CONNECTOR_STORE`), not as a configuration error naming `owner` ("another journal that runs has the
// same owner name"), which sent an operator after a duplicate that does not exist.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import { PgJournal } from '../src/index.js';
import { lockRelay } from './helpers/pg-lock-relay.js';

test('a close that comes while open takes the owner lock fails the open as stopped, not as an owner name in use', async (t) => {
  const cluster = await sharedPostgres();
  t.after(() => cluster.destroy());
  const url = cluster.createDatabase('owner_open_closed');
  const relay = await lockRelay(url);
  t.after(() => relay.close());
  const journal = new PgJournal({ url: relay.url, owner: 'node-a' });
  const register = relay.holdStatement('pg_try_advisory_lock');
  const opening = journal.open().then(() => undefined, (err: { code?: string; field?: string; message?: string }) => err);
  await register.held; // the open is taking its owner lock
  const closing = journal.close();
  register.release();
  const err = await opening;
  await closing;
  assert.ok(err !== undefined, 'the open fails');
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE', String(err.message));
  assert.equal(err.field, 'store');
  assert.match(String(err.message), /closed while it was being opened/);
});

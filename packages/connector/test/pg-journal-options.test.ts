/**
 * A `PgJournal`'s options are refused at construction, coded and naming the option, when they are not what their TSDoc
 * says: a claim batch of 0 claimed for ever (`open` never resolved, its statements repeated without end), a lease of 0
 * refused every add as a stall, one not a number failed every claim as a store error, a `purgeAfter` not a number failed
 * every renewal (logged as an outage), and former upstreams given as one string were claimed letter by letter (the
 * entries under that key never sent). No connection is made: the URL reaches nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PgJournal } from '../src/index.js';
import type { PgJournalOptions } from '../src/index.js';
import { MAX_PURGE_AFTER } from '../src/pg/journal-options.js';

const url = 'postgresql://iso8583@127.0.0.1:1/none';

function refused(options: Record<string, unknown>, field: string, reason: RegExp): void {
  assert.throws(
    () => new PgJournal({ url, ...(options as PgJournalOptions) }),
    (err: { code?: string; field?: string; message?: string }) => err.code === 'ISO8583_ERR_CONNECTOR_OPTIONS' && err.field === field && reason.test(err.message ?? ''),
    `${JSON.stringify(options, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))} refused naming ${field}`,
  );
}

test('a lease, claim batch or purge delay out of range is refused naming the option; the bounds are accepted', async () => {
  for (const lease of [0, 99, -30_000, 1500.5, Number.NaN, Number.POSITIVE_INFINITY, 2_147_483_648, '30000']) refused({ lease }, 'lease', /integer of milliseconds from 100 to 2147483647/);
  for (const claimBatch of [0, -1, 1.5, Number.NaN, '100']) refused({ claimBatch }, 'claimBatch', /positive integer/);
  for (const purgeAfter of [-1, 0.5, Number.NaN, MAX_PURGE_AFTER + 1, '600000']) refused({ purgeAfter }, 'purgeAfter', /integer of milliseconds from 0 to/);
  for (const options of [{ lease: 100, claimBatch: 1, purgeAfter: 0 }, { lease: 2_147_483_647, claimBatch: 100_000, purgeAfter: MAX_PURGE_AFTER }]) {
    const journal = new PgJournal({ url, ...options });
    assert.deepEqual([journal.lease, journal.claimBatch, journal.purgeAfter], [options.lease, options.claimBatch, options.purgeAfter]);
    await journal.close();
  }
});

test('former upstreams must be an array of strings (one string was claimed letter by letter), an upstream a string, an owner a name', async () => {
  refused({ formerUpstreams: 'old-bank' }, 'formerUpstreams', /array of strings/);
  refused({ formerUpstreams: ['old-bank', 7] }, 'formerUpstreams/1', /must be a string/);
  refused({ upstream: 7 }, 'upstream', /string/);
  refused({ owner: '' }, 'owner', /not empty/);
  refused({ owner: 42 }, 'owner', /not empty/);
  refused({ url: 42 }, 'store', /postgresql:\/\//);
  const journal = new PgJournal({ url, upstream: 'bank', formerUpstreams: ['old-bank'], owner: 'node-1' });
  assert.deepEqual(journal.claims, ['bank', 'old-bank']);
  await journal.close();
});

test('a closeTimeout above the longest timer delay is refused naming the option (the timer fired at once: every close cut the store\'s connections); the bound is accepted', async () => {
  for (const closeTimeout of [2_147_483_648, 3_000_000_000, -1, Number.NaN, Number.POSITIVE_INFINITY, '10000']) {
    refused({ closeTimeout }, 'closeTimeout', /milliseconds from 0 to 2147483647/);
  }
  for (const closeTimeout of [0, 2_147_483_647]) {
    const journal = new PgJournal({ url, closeTimeout });
    assert.equal(journal.closeTimeout, closeTimeout);
    await journal.close();
  }
});

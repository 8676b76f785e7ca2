// The gauge of the SAF entries no node takes (iso8583_connector_saf_stranded): a figure of the whole store, which the
// connectors of one store in a process share, so one of them reports it and the others 0; a sum over the process's
// series is the store's figure, not a multiple of it, also once the connector that reported it closed.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type pg from 'pg';
import { Registry } from 'prom-client';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { entry, sql } from './helpers/pg-owner-lock.js';
import { answer, startPeer } from './peer.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** Runs the count of the store of `connector`'s journal now, as a renewal does once a minute. */
function count(connector: Connector): Promise<void> {
  const journal = (connector as unknown as { reversals: { journal: { stranded: { check(pool: pg.Pool): Promise<void> }; pool: pg.Pool } } }).reversals.journal;
  return journal.stranded.check(journal.pool);
}

/** The series of iso8583_connector_saf_stranded in `registry`, by connector. */
async function stranded(registry: Registry): Promise<Record<string, number>> {
  const text = await registry.metrics();
  const series = [...text.matchAll(/^iso8583_connector_saf_stranded\{connector="([^"]+)"\} (\d+)$/gm)];
  return Object.fromEntries(series.map((m) => [m[1], Number(m[2])]));
}

test('the stranded gauge: one connector of a store reports the store\'s figure, the others 0, so a sum over a process counts it once', async (t) => {
  const url = cluster.createDatabase('saf_stranded_metrics');
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  t.after(() => peer.close());
  const registry = new Registry();
  const make = (name: string): Connector =>
    createConnector({ name, host: '127.0.0.1', port: peer.port, store: url, safLease: 600_000, reversal: { enabled: true }, registry });
  const visa = make('visa');
  const mastercard = make('mastercard');
  t.after(() => Promise.all([visa.destroy(), mastercard.destroy()]));
  await visa.connect();
  await mastercard.connect();
  // Two entries under a key neither connector serves, their lease ended an hour ago.
  for (const id of ['s1', 's2']) {
    await sql(url, "INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until) VALUES ($1, 'dropped', $2, 'old-node', now() - interval '1 hour')", [id, JSON.stringify(entry(id))]);
  }

  assert.deepEqual(await stranded(registry), { visa: 0, mastercard: 0 }, 'none before a key is found twice');
  await count(mastercard);
  await count(visa);
  assert.deepEqual(await stranded(registry), { visa: 2, mastercard: 0 }, 'the store\'s two entries, reported once');
  await visa.close();
  // The closed one's series left the Registry (released on close).
  assert.deepEqual(await stranded(registry), { mastercard: 2 }, 'reported by the other connector once the first closed');
  assert.doesNotMatch(await registry.metrics(), /4111111111111111/);
});

test('the stranded gauge: two spellings of one store\'s URL (postgres:// or postgresql://, its parameters in another order) are one store, reported once', async (t) => {
  const url = cluster.createDatabase('saf_stranded_spelled');
  const spelled = [
    `${url}?application_name=gw&fallback_application_name=iso8583`,
    `${url.replace(/^postgresql:/, 'postgres:')}?fallback_application_name=iso8583&application_name=gw`,
  ];
  const peer = await startPeer((r, p) => p.send(r.socket, answer(r.message)));
  t.after(() => peer.close());
  const registry = new Registry();
  const make = (name: string, store: string): Connector =>
    createConnector({ name, host: '127.0.0.1', port: peer.port, store, safLease: 600_000, reversal: { enabled: true }, registry });
  const visa = make('visa', spelled[0] as string);
  const mastercard = make('mastercard', spelled[1] as string);
  t.after(() => Promise.all([visa.destroy(), mastercard.destroy()]));
  await visa.connect();
  await mastercard.connect();
  for (const id of ['s1', 's2', 's3']) {
    await sql(url, "INSERT INTO iso8583_saf (id, upstream, entry, lease_owner, lease_until) VALUES ($1, 'dropped', $2, 'old-node', now() - interval '1 hour')", [id, JSON.stringify(entry(id))]);
  }
  // Two counts through each connector: as two stores, each would find the key twice and report it.
  for (const c of [visa, mastercard, visa, mastercard]) await count(c);
  assert.deepEqual(await stranded(registry), { visa: 3, mastercard: 0 }, 'the store\'s three entries, reported once');
});

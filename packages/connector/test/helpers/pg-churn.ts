/**
 * The churn probe of the shared SAF queue (pg-owner-lock-churn.test.ts): two nodes (connectors, each with its own
 * PgJournal and its own host connection) on one database, `reversals` purchases (two of three on node A) that the host
 * never answers (each is reversed), a host that counts every reversal (0400, 0401) and advice (0420, 0421) per key
 * (field 11) and drops the first message of each key (its attempt times out: attempts are in flight for a while), and
 * node A's owner lock session terminated again and again, each time after a number of node A's reversal messages
 * drawn from a seeded generator (a moment when one of its attempts is in flight). After the first kill and one in
 * three of the others (seeded too), node A cannot take its lock again (its REGISTER held at a relay) until node B has
 * taken over every entry it held: entries are taken over, and their repeats sent by node B, while node A runs. A
 * message of a key the host receives from one node while the other's attempt of it is in flight (`sent` until its
 * flight ends: pg-flights.ts) is an overlap: two nodes sending one reversal at once.
 */
import assert from 'node:assert/strict';
import { waitUntil } from '@iso8583/test-support';
import { createConnector, PgJournal } from '../../src/index.js';
import type { Connector, ReversalEvent } from '../../src/index.js';
import { answer, purchase, startPeer } from '../peer.js';
import type { Peer, Received } from '../peer.js';
import { FlightJournal, FlightWatch } from './pg-flights.js';
import { lockRelay } from './pg-lock-relay.js';
import { lockSession, sql } from './pg-owner-lock.js';

/** What a churn run saw. */
export interface ChurnResult {
  /** Reversal and advice messages the host received, by MTI. */
  byMti: Record<string, number>;
  /** Reversal and advice messages the host received, by node. */
  byNode: Record<string, number>;
  /** Keys sent by both nodes (one after the other: taken over). */
  keysByBoth: number;
  /** Most messages of one key. */
  mostPerKey: number;
  /** Times node A's lock session was terminated. */
  kills: number;
  /** Of those, the ones after which node A took its lock again only once node B had taken over all its entries. */
  holds: number;
  /**
   * Messages of a key received from one node while the other's attempt of it was in flight, each with the key's
   * timeline (ms from the start: the host's receipts, each node's events, and the flight end of each `sent`).
   */
  overlaps: Array<{ key: string; node: string; mti: string; timeline: string[] }>;
  /** Attempts written (`sent`) after their flight ended, or with none recorded: what the fence of an attempt relies on. */
  lateWrites: string[];
  /** Purchases the host received (the others were refused unsent: their record stored while node A's lock broke). */
  purchases: number;
  /** Of those, the ones whose entry ended `reversed`. */
  reversed: number;
  /** Purchases the host received whose reversal it never did. */
  unsent: number;
}

/** A small seeded generator (mulberry32): the same seed, the same draws. */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the churn on database `url` (fresh): `reversals` entries, kills after 1 to `killEvery` host messages. */
export async function churn(url: string, options: { reversals: number; seed: number; killEvery: number; timeoutMs: number; lease?: number }): Promise<ChurnResult> {
  const random = generator(options.seed);
  const lease = options.lease ?? 900; // claims every 300 ms: a node without its lock is often found gone
  const schema = new PgJournal({ url, owner: 'schema' });
  await schema.open(); // makes the schema before the entries are put in
  await schema.close();
  const relay = await lockRelay(url);
  const fresh = { a: new FlightJournal({ url: relay.url, lease, owner: 'node-a' }), b: new FlightJournal({ url, lease, owner: 'node-b' }) };
  const watch = new FlightWatch(fresh);
  const stans = Array.from({ length: options.reversals }, (_, i) => String(i + 1).padStart(6, '0'));
  const seen = new Map<string, Array<{ node: string; mti: string }>>();
  const purchases = new Set<string>();
  let kills = 0;
  let holds = 0;
  let killing = false;
  let untilKill = 1 + Math.floor(random() * options.killEvery);
  let killed: Promise<void> = Promise.resolve();
  let holdFailed: unknown;
  const kill = async (): Promise<void> => {
    killing = true;
    // Node A's next take of its lock held until node B has taken over all it held (none of its entries pending): after
    // the first kill, and one in three of the others.
    const draw = random();
    const hold = kills === 0 || draw < 1 / 3 ? relay.holdStatement('INSERT INTO iso8583_saf_owner') : undefined;
    let ended = false;
    try {
      const pid = await lockSession(url, 'node-a');
      if (pid !== undefined) {
        const [row] = await sql<{ ended: boolean }>(url, 'SELECT pg_terminate_backend($1) AS ended', [pid]);
        ended = row?.ended === true;
        if (ended) kills++;
      }
    } catch {
      // The session ended, or the database went, between the two statements: no kill this time.
    }
    try {
      if (ended && hold !== undefined) {
        await hold.held; // node A taking its lock again
        holds++;
        const pending = "SELECT 1 FROM iso8583_saf WHERE lease_owner = 'node-a' AND done_at IS NULL LIMIT 1";
        await waitUntil(async () => (await sql(url, pending)).length === 0, { what: 'node B to take over node A\'s entries', timeoutMs: options.timeoutMs, intervalMs: 50 });
      }
    } catch (err) {
      holdFailed ??= err; // thrown once the run is over
    } finally {
      hold?.release();
      killing = false;
    }
  };
  const host = (node: 'a' | 'b') => (r: Received, p: Peer): void => {
    const mti = String(r.message['0']);
    if (mti === '0200') {
      purchases.add(String(r.message['11'])); // never answered: its reversal follows
      return;
    }
    if (!/^04[02][01]$/.test(mti)) {
      p.send(r.socket, answer(r.message));
      return;
    }
    const key = String(r.message['11']);
    watch.received(node, key, mti);
    const sent = seen.get(key) ?? [];
    seen.set(key, [...sent, { node, mti }]);
    if (sent.length > 0) p.send(r.socket, answer(r.message)); // the first of each key is never answered
    if (node === 'a' && --untilKill <= 0 && !killing) {
      untilKill = 1 + Math.floor(random() * options.killEvery);
      killed = kill();
    }
  };
  const peers = { a: await startPeer(host('a')), b: await startPeer(host('b')) };
  const connectors: Connector[] = [];
  try {
    for (const node of ['a', 'b'] as const) {
      const connector = createConnector({
        host: '127.0.0.1',
        port: peers[node].port,
        requestTimeout: 300,
        reversal: { enabled: true, journal: fresh[node], retryInterval: 300 },
        transactionLog: false,
      });
      connector.on('reversal', (e: ReversalEvent) => watch.event(node, e));
      connectors.push(connector);
    }
    await Promise.all(connectors.map((c) => c.connect()));
    // The purchases, in waves of 20 (two of three on node A), each timing out: its reversal is journaled and sent.
    for (let i = 0; i < stans.length; i += 20) {
      await Promise.all(
        stans.slice(i, i + 20).map((stan, j) => (connectors[(i + j) % 3 === 2 ? 1 : 0] as Connector).request(purchase(stan)).then(
          () => assert.fail(`purchase ${stan} answered`),
          // Sent and unanswered, or refused unsent: its reversal record stored while node A's lock broke.
          (err: { code?: string }) => assert.ok(err.code === 'ISO8583_ERR_CONNECTOR_TIMEOUT' || err.code === 'ISO8583_ERR_CONNECTOR_STORE', `purchase ${stan}: ${err.code}`),
        )),
      );
    }
    // Every record ended; every purchase that left reversed (one refused unsent ends not-sent, or reversed: harmless).
    const reversed = await waitUntil(
      async () => {
        const rows = await sql<{ stan: string; outcome: string | null }>(url, "SELECT entry->'reversal'->>'11' AS stan, outcome FROM iso8583_saf");
        if (rows.length < purchases.size || rows.some((r) => r.outcome === null)) return undefined;
        const ended = new Map(rows.map((r) => [r.stan, r.outcome]));
        return [...purchases].filter((stan) => ended.get(stan) === 'reversed').length;
      },
      { what: `every reversal to be answered`, timeoutMs: options.timeoutMs, intervalMs: 100 },
    );
    await killed;
    if (holdFailed !== undefined) throw holdFailed as Error;
    const byMti: Record<string, number> = {};
    const byNode: Record<string, number> = {};
    let keysByBoth = 0;
    let mostPerKey = 0;
    for (const sent of seen.values()) {
      for (const s of sent) {
        byMti[s.mti] = (byMti[s.mti] ?? 0) + 1;
        byNode[s.node] = (byNode[s.node] ?? 0) + 1;
      }
      if (new Set(sent.map((s) => s.node)).size > 1) keysByBoth++;
      mostPerKey = Math.max(mostPerKey, sent.length);
    }
    return { byMti, byNode, keysByBoth, mostPerKey, kills, holds, overlaps: watch.overlaps, lateWrites: watch.lateWrites, reversed, purchases: purchases.size, unsent: [...purchases].filter((stan) => !seen.has(stan)).length };
  } finally {
    await killed;
    await Promise.all(connectors.map((c) => c.destroy()));
    await Promise.all([peers.a.close(), peers.b.close()]);
    await relay.close();
  }
}

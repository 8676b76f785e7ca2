/**
 * Two gateway processes (the real `iso8583` binary) on one PostgreSQL database share their reversals: one is killed
 * with SIGKILL while reversals are pending, and the other delivers each exactly once: at the host, one reversal
 * sequence per original (one 0400, then 0401 repeats) and no reversal answered twice. A repeat (0201) sent to the
 * other node while the purchase's reversal is pending is refused; nodes naming the same upstreams in another order
 * send a dead node's reversals to the bank of their purchases; and a database outage is lived through. One cluster
 * serves every test (a database each): a cluster costs seconds to make. The three take-over tests run side by side
 * (their own database, banks and journal folders each; they wait on leases and timeouts, not on the CPU); the outage
 * tests run after them, one at a time, since they stop the cluster's server.
 */
import { after, before, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { IsoMessage } from '@iso8583/codec';
import { isReversal, isReversalOf, startPostgres, waitUntil } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { exitWithin, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { GatewayAddresses } from './helpers/cli.js';
import { startBank } from './helpers/silent-bank.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await startPostgres();
});
// Each node's own --reversal-journal folder (two nodes on one machine never share one; their transaction log is the database's).
const work = mkdtempSync(join(tmpdir(), 'iso8583-pg-nodes-'));
after(async () => {
  await stopAll();
  cluster.destroy();
  rmSync(work, { recursive: true, force: true });
});

function purchase(terminal: string, stan: number): IsoMessage {
  return {
    '0': '0200',
    '2': '4111111111111111',
    '3': '000000',
    '4': '000000001000',
    '7': '1121103000',
    '11': String(stan).padStart(6, '0'),
    '41': terminal,
    '49': '840',
  };
}

async function post(http: { host: string; port: number }, message: IsoMessage): Promise<number> {
  const res = await fetch(`http://${http.host}:${http.port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(message),
  });
  await res.text();
  return res.status;
}

describe('two gateway nodes on one PostgreSQL store', { concurrency: true }, () => {
  test('SIGKILL one while reversals are pending: the other takes them over and each original is reversed exactly once', async () => {
    const url = cluster.createDatabase('two_gateways');
    const bank = await startBank();
    const flags = [
      '--upstream', `127.0.0.1:${bank.port}`,
      '--store', url,
      '--saf-lease', '3000',
      '--request-timeout', '300',
      '--reversal-retry-interval', '200',
      '--echo-interval', '0',
      '--log-level', 'warn',
    ];
    // Started one after the other, so that the bank's link 0 is node A's and link 1 node B's.
    const a = await startGateway([...flags, '--reversal-journal', join(work, 'a')]);
    await waitUntil(() => bank.links() === 1, { what: 'node A to connect to the bank' });
    const b = await startGateway([...flags, '--reversal-journal', join(work, 'b')]);
    await waitUntil(() => bank.links() === 2, { what: 'node B to connect to the bank' });

    // Purchases through both nodes; the bank stays silent, so each times out (504) and is reversed.
    const stansA = [1, 2, 3, 4];
    const stansB = [5, 6, 7, 8];
    const statuses = await Promise.all([
      ...stansA.map((s) => post(a.http, purchase('NODEA001', s))),
      ...stansB.map((s) => post(b.http, purchase('NODEB001', s))),
    ]);
    assert.deepEqual(statuses, Array(8).fill(504));
    const stan = (n: number): string => String(n).padStart(6, '0');
    const firstReversal = (n: number, link: number): boolean =>
      bank.seen.some((s) => s.link === link && s.message['0'] === '0400' && s.message['11'] === stan(n));
    await waitUntil(() => stansA.every((n) => firstReversal(n, 0)) && stansB.every((n) => firstReversal(n, 1)), {
      what: 'each node to send the first reversal (0400) of each of its purchases',
    });

    // The transaction log is written in batches (every `flushInterval`, 25 ms by default): a SIGKILL loses what is
    // still buffered, as documented. Node A is killed once node B sees A's four records in the database.
    const nodeATimeouts = async (): Promise<{ stan?: string; outcome: string; pan?: string; node: string }[] | undefined> => {
      const res = await fetch(`http://${b.http.host}:${b.http.port}/transactions?terminal=NODEA001`);
      const body = (await res.json()) as { result: { stan?: string; outcome: string; pan?: string; node: string }[] | null };
      const timeouts = (body.result ?? []).filter((r) => r.outcome === 'timeout');
      return timeouts.length === 4 ? timeouts : undefined;
    };
    await waitUntil(nodeATimeouts, { what: "node A's four timed-out purchases in node B's GET /transactions, before A is killed" });
    a.process.kill('SIGKILL');
    assert.equal((await a.process.exited).signal, 'SIGKILL');
    bank.answer(1);
    await waitUntil(() => bank.answered.size === 8, { what: 'every purchase reversed (node B taking over node A\'s)', timeoutMs: 30_000 });
    const store = new pg.Pool({ connectionString: url });
    try {
      await waitUntil(async () => (await store.query('SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL')).rows[0].n === 0, {
        what: 'every entry marked done in the store',
      });
      const { rows } = await store.query<{ stan: string; outcome: string }>("SELECT entry->'reversal'->>'11' AS stan, outcome FROM iso8583_saf ORDER BY 1");
      assert.deepEqual(rows, [...stansA, ...stansB].map((n) => ({ stan: stan(n), outcome: 'reversed' })));
    } finally {
      await store.end();
    }
    // The transaction log is in the database too: node B answers for node A's purchases (A was killed).
    const logged = await waitUntil(nodeATimeouts, { what: "node A's four timed-out purchases in node B's GET /transactions" });
    assert.deepEqual(logged.map((r) => r.stan).sort(), stansA.map(stan));
    assert.ok(logged.every((r) => r.pan === '411111******1111'), 'the PAN masked');
    const own = (await (await fetch(`http://${b.http.host}:${b.http.port}/transactions?terminal=NODEB001`)).json()) as { result: { node: string }[] };
    assert.notEqual(own.result[0]?.node, logged[0]?.node, 'two nodes, two node names');
    // Node B stops (SIGTERM): nothing it could still send is left unseen by the counts below.
    b.process.kill('SIGTERM');
    assert.equal((await exitWithin(b.process, 20_000, 'node B stopping')).code, 0);

    for (const n of [...stansA, ...stansB]) {
      const reversals = bank.seen.filter((s) => isReversalOf(stan(n))(s.message));
      assert.equal(reversals.filter((s) => s.message['0'] === '0400').length, 1, `one reversal sequence for ${stan(n)} (a single 0400)`);
      assert.equal(bank.answered.get(stan(n)), 1, `the reversal of ${stan(n)} answered once`);
      if (stansA.includes(n)) {
        assert.ok(reversals.some((s) => s.link === 1 && s.message['0'] === '0401'), `node B resumed ${stan(n)} with a repeat (0401)`);
      }
    }
    assert.deepEqual(bank.afterAnswer.map((s) => s.message['11']), [], 'no reversal sent after it was answered');
    await bank.close();
  });

  /** The purchase of the repeat test (STAN 000042 of terminal REPEAT01) with MTI `mti`. */
  const repeatPurchase = (mti: string): IsoMessage => ({ '0': mti, '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1202103000', '11': '000042', '41': 'REPEAT01', '49': '840' });

  /** POSTs `message` to `node`'s HTTP port; resolves with the status and the body. */
  async function postNode(node: GatewayAddresses, message: IsoMessage): Promise<{ status: number; body: string }> {
    const res = await fetch(`http://${node.http.host}:${node.http.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    return { status: res.status, body: await res.text() };
  }

  // A purchase in flight on node A
  // when A dies (SIGKILL); the terminal, moved to node B by its load balancer, repeats it (0201, same STAN and
  // terminal). Node B refuses the repeat while the purchase's reversal is pending in the store, then takes that
  // reversal over: the bank never approves a repeat of a purchase it is about to see reversed.
  test('a repeat (0201) sent to node B while node A\'s purchase is pending in the store is refused, and the purchase is reversed once', async (t) => {
    const url = cluster.createDatabase('repeat_other_node');
    const bank = await startBank();
    t.after(() => bank.close());
    // --request-timeout 1 s, the lease's: node A is killed as soon as the bank has the purchase, well within it (were A
    // slower and timed out first, its 0400 would go unanswered and the outcome be the same); it fences A's reversal
    // from node B for the lease plus it (2 s), and bounds the wait for the answer the bank never gives the last purchase.
    const flags = ['--upstream', `127.0.0.1:${bank.port}`, '--store', url, '--saf-lease', '1000', '--request-timeout', '1000', '--reversal-retry-interval', '200', '--echo-interval', '0', '--log-level', 'warn'];
    const [a, b] = await Promise.all([startGateway([...flags, '--reversal-journal', join(work, 'repeat-a')]), startGateway([...flags, '--reversal-journal', join(work, 'repeat-b')])]);
    await waitUntil(() => bank.links() === 2, { what: 'both nodes connected to the bank' });

    // The purchase reaches the bank through node A, which dies before any answer.
    const first = postNode(a, repeatPurchase('0200')).catch(() => undefined);
    await waitUntil(() => bank.messages().some((m) => m['0'] === '0200'), { what: 'the purchase at the bank' });
    a.process.kill('SIGKILL');
    await a.process.exited;
    await first;

    const repeat = await postNode(b, repeatPurchase('0201'));
    assert.equal(repeat.status, 400, `the repeat refused: ${repeat.body}`);
    assert.match(repeat.body, /ISO8583_ERR_CONNECTOR_DUPLICATE_KEY/);
    assert.deepEqual(bank.messages().filter((m) => m['0'] === '0201'), [], 'the repeat never reached the bank');

    // Node B takes node A's reversal over once its lease ends, and the bank answers it.
    bank.answer();
    const store = new pg.Pool({ connectionString: url });
    try {
      await waitUntil(async () => (await store.query("SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL OR outcome <> 'reversed'")).rows[0].n === 0, {
        what: "node A's purchase reversed by node B",
        timeoutMs: 30_000,
      });
    } finally {
      await store.end();
    }
    assert.ok(bank.messages().some((m) => m['0'] === '0401' && m['11'] === '000042'), 'the purchase reversed at the bank');
    // Once reversed, the terminal's next transaction with a new STAN goes through (not refused for good).
    const next = await postNode(b, { ...repeatPurchase('0200'), '11': '000043' });
    assert.notEqual(next.status, 400, next.body);
    // Node B goes before the database outage of the tests below.
    b.process.kill('SIGKILL');
    await b.process.exited;
  });

  // Two nodes name the same two upstreams in a different order (a rolling change of the failover order): the
  // reversals a node left pending for one bank are taken over and sent to that bank, never to the other one (they used
  // to be stored under the key `upstream`, the name the HTTP app gives the first connector, so the node whose first
  // upstream was the other bank sent them there).
  test('two nodes naming the same upstreams in another order: a dead node\'s reversals go to the bank of their purchases', async (t) => {
    const stan = (n: number): string => String(n).padStart(6, '0');
    const url = cluster.createDatabase('upstream_order');
    const bank1 = await startBank();
    const bank2 = await startBank();
    t.after(() => Promise.all([bank1.close(), bank2.close()]));
    const common = ['--store', url, '--saf-lease', '1000', '--request-timeout', '300', '--reversal-retry-interval', '200', '--echo-interval', '0', '--log-level', 'warn'];
    const b1 = `b1=127.0.0.1:${bank1.port}`;
    const b2 = `b2=127.0.0.1:${bank2.port}`;
    // Node A fails over from b1 to b2: its purchases go to bank 1, which never answers them (each is reversed).
    const a = await startGateway(['--upstream', b1, '--upstream', b2, ...common, '--reversal-journal', join(work, 'order-a')]);
    await waitUntil(() => bank1.links() === 1 && bank2.links() === 1, { what: 'node A connected to both banks' });
    const stans = [1, 2, 3];
    const statuses = await Promise.all(
      stans.map(async (n) => {
        const message = { '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1202103000', '11': stan(n), '41': 'ORDER001', '49': '840' };
        const res = await fetch(`http://${a.http.host}:${a.http.port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
        await res.text();
        return res.status;
      }),
    );
    assert.deepEqual(statuses, [504, 504, 504]);
    await waitUntil(() => stans.every((n) => bank1.messages().some((m) => m['0'] === '0400' && m['11'] === stan(n))), { what: 'node A reversing each purchase at bank 1' });
    a.process.kill('SIGKILL');
    await a.process.exited;

    // Node B names bank 2 first: it takes node A's reversals over once their lease ends.
    bank1.answer();
    bank2.answer();
    const b = await startGateway(['--upstream', b2, '--upstream', b1, ...common, '--reversal-journal', join(work, 'order-b')]);
    const store = new pg.Pool({ connectionString: url });
    try {
      await waitUntil(async () => (await store.query('SELECT count(*)::int AS n FROM iso8583_saf WHERE done_at IS NULL')).rows[0].n === 0, {
        what: "node A's reversals taken over and answered",
        timeoutMs: 30_000,
      });
    } finally {
      await store.end();
    }
    assert.deepEqual(bank2.messages().filter(isReversal).map((m) => m['11']), [], 'no reversal of a bank 1 purchase sent to bank 2');
    for (const n of stans) {
      assert.ok(bank1.messages().some((m) => m['0'] === '0401' && m['11'] === stan(n)), `the reversal of ${stan(n)} resumed at bank 1 (0401)`);
    }
    b.process.kill('SIGKILL');
    await b.process.exited;
  });

});

// After the take-over tests (top-level groups run one after the other): these stop the cluster's server.
describe('a gateway on PostgreSQL while the database is away', () => {
  test('the database goes down and comes back: purchases are refused (503) while it is away, then served again without a restart; the password is never logged', async () => {
    const url = cluster.createDatabase('gateway_outage').replace('iso8583@', 'iso8583:Pg-S3cret@');
    const bank = await startSimulator();
    const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--store', url, '--echo-interval', '0', '--log-level', 'info', '--reversal-journal', join(work, 'outage')]);
    assert.equal(await post(gw.http, purchase('OUTAGE01', 1)), 200);
    cluster.stopServer();
    try {
      assert.equal(await post(gw.http, purchase('OUTAGE01', 2)), 503, 'refused while the store is away');
    } finally {
      cluster.startServer();
    }
    let stan = 3;
    await waitUntil(async () => (await post(gw.http, purchase('OUTAGE01', stan++))) === 200, { what: 'a purchase served once the database is back' });
    gw.process.kill('SIGTERM');
    assert.equal((await exitWithin(gw.process, 20_000, 'the gateway stopping')).code, 0);
    const log = gw.process.stderr() + gw.process.stdout();
    assert.match(log, /ISO8583_ERR_CONNECTOR_STORE/, 'the outage is logged with its code');
    assert.doesNotMatch(log, /Pg-S3cret/, 'the password never reaches the log');
    assert.doesNotMatch(log, /4111111111111111/);
    bank.process.kill('SIGTERM');
    await bank.process.exited;
  });
  test('stopped (SIGTERM) while the database is away, the gateway keeps its transaction records in its --reversal-journal folder; the next start stores them', async () => {
    const url = cluster.createDatabase('gateway_spill');
    const bank = await startSimulator();
    const dir = join(work, 'spill');
    const flags = ['--upstream', `${bank.host}:${bank.port}`, '--store', url, '--echo-interval', '0', '--log-level', 'info', '--reversal-journal', dir, '--shutdown-deadline', '500'];
    const gw = await startGateway(flags);
    assert.equal(await post(gw.http, purchase('SPILL001', 1)), 200);
    // The first record in the database before it goes (the log writes in batches, after the answer): only the second
    // is then kept in the spill, whatever the speed of the machine.
    await waitUntil(async () => {
      const stored = (await (await fetch(`http://${gw.http.host}:${gw.http.port}/transactions?terminal=SPILL001`)).json()) as { result: unknown[] };
      return stored.result.length === 1;
    }, { what: 'the first purchase recorded in the database' });
    cluster.stopServer();
    try {
      assert.equal(await post(gw.http, purchase('SPILL001', 2)), 503, 'refused while the store is away: recorded, its record waiting');
      gw.process.kill('SIGTERM');
      assert.equal((await exitWithin(gw.process, 20_000, 'the gateway stopping with its database away')).code, 0);
    } finally {
      cluster.startServer();
    }
    const log = gw.process.stderr() + gw.process.stdout();
    assert.match(log, /ISO8583_WARN_TRANSACTION_LOG_KEPT/, 'what the database did not take is said kept');
    // The stop keeps to its deadline (500 ms) and grace (1 s) with the database away: the log's close waits only what
    // is left of them, not its own 5 s close timeout past them (told by the lines' own times, not a timer here).
    const timeOf = (pattern: RegExp): number => {
      const line = log.split('\n').find((l) => pattern.test(l));
      assert.ok(line !== undefined, `a line matching ${String(pattern)} in:\n${log}`);
      return (JSON.parse(line) as { time: number }).time;
    };
    const took = timeOf(/ISO8583_WARN_TRANSACTION_LOG_KEPT/) - timeOf(/"gateway stopping/);
    assert.ok(took < 4_000, `the records kept ${took} ms after the stop began (deadline 500 + grace 1000)`);
    assert.doesNotMatch(log, /ISO8583_WARN_TRANSACTION_LOG_DROPPED/);
    const spills = readdirSync(dir).filter((n) => n.startsWith('transaction-spill-'));
    assert.equal(spills.length, 1, `one spill file in ${dir}`);
    assert.doesNotMatch(readFileSync(join(dir, spills[0] as string), 'utf8'), /4111111111111111/, 'the PAN masked at rest');

    const again = await startGateway(flags);
    const body = (await (await fetch(`http://${again.http.host}:${again.http.port}/transactions?terminal=SPILL001`)).json()) as { result: { stan?: string; outcome: string }[] };
    assert.deepEqual(body.result.map((r) => `${String(r.stan)}/${r.outcome}`).sort(), ['000001/approved', '000002/error'], 'the kept record stored by the next start, once');
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('transaction-spill-')), [], 'the spill removed once stored');
    const stats = (await (await fetch(`http://${again.http.host}:${again.http.port}/stats`)).json()) as { transactionLog?: { replayed?: number; dropped?: number } };
    assert.deepEqual([stats.transactionLog?.replayed, stats.transactionLog?.dropped], [1, 0], 'GET /stats says what the log replayed (and dropped)');
    again.process.kill('SIGTERM');
    assert.equal((await exitWithin(again.process, 20_000, 'the gateway stopping')).code, 0);
    bank.process.kill('SIGTERM');
    await bank.process.exited;
  });
});

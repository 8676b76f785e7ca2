// How many requests of one node the PostgreSQL terminal lock lets be at the bank at once (terminalQueue on, a
// PostgreSQL store): each holds its terminal's lock on a connection of the lock's pool until its outcome, so the pool's
// size caps them (rv66g #1: 20, not settable; 180 requests of 60 terminals to a 1 s bank took 11.5 s, 4.8 s without
// the queue). `terminalQueue.lockConnections` sets it; the default stays 20, and a request past it waits (and is
// refused once its terminalQueue.timeout is spent), never sent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres, within } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { createConnector } from '../src/index.js';
import type { ConnectorOptions } from '../src/index.js';
import { answer, purchase, startPeer } from './peer.js';
import type { Peer } from './peer.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

/** A bank that answers nothing until `release` is called; then it answers every request held and those after. */
async function holdingBank(): Promise<{ peer: Peer; release: () => void }> {
  const held: (() => void)[] = [];
  let open = false;
  const peer = await startPeer((r, p) => {
    const send = (): void => p.send(r.socket, answer(r.message));
    if (open) send();
    else held.push(send);
  });
  return {
    peer,
    release: () => {
      open = true;
      for (const send of held.splice(0)) send();
    },
  };
}

const TERMINALS = 25;
const stan = (i: number): string => String(700_000 + i);
const terminal = (i: number): string => `TERM${String(i).padStart(4, '0')}`;

/** A connector on `url` with the terminal queue on, to `peer`. */
function node(url: string, peer: Peer, terminalQueue: ConnectorOptions['terminalQueue']): ReturnType<typeof createConnector> {
  return createConnector({ name: 'node-a', host: '127.0.0.1', port: peer.port, requestTimeout: 60_000, store: url, terminalQueue, transactionLog: false });
}

test('terminalQueue.lockConnections raised past 20: requests of 25 terminals are at the bank at once', async (t) => {
  const url = cluster.createDatabase('terminal_lock_capacity');
  const { peer, release } = await holdingBank();
  const connector = node(url, peer, { enabled: true, timeout: 60_000, lockConnections: 30 });
  t.after(async () => {
    release();
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  const answers = Array.from({ length: TERMINALS }, (_, i) => connector.request(purchase(stan(i), terminal(i))));
  // Before: the 21st waited for a connection of the lock's pool of 20 until one of the first 20 was answered.
  await peer.waitFor(TERMINALS, 30_000);
  release();
  assert.deepEqual((await Promise.all(answers)).map((a) => a['39']), Array<string>(TERMINALS).fill('00'));
});

test('by default at most 20 requests of a node hold a terminal lock: the others wait for a connection, and past terminalQueue.timeout are refused unsent', async (t) => {
  const url = cluster.createDatabase('terminal_lock_default');
  const { peer, release } = await holdingBank();
  const connector = node(url, peer, { enabled: true, timeout: 5_000 });
  t.after(async () => {
    release();
    await connector.destroy();
    await peer.close();
  });
  await connector.connect();
  let settled = 0;
  let fiveSettled = (): void => undefined;
  const five = new Promise<void>((resolve) => (fiveSettled = resolve));
  const outcomes = Array.from({ length: TERMINALS }, (_, i) =>
    connector
      .request(purchase(stan(i), terminal(i)))
      .then(
        (a) => String(a['39']),
        (err: { code?: string; message: string }) => `${err.code}: ${err.message}`,
      )
      .finally(() => {
        if (++settled === TERMINALS - 20) fiveSettled();
      }));
  await peer.waitFor(20, 30_000);
  // The five past the pool end once their wait is spent, while the bank still holds the first 20 unanswered.
  await within(five, 30_000, 'the requests past the pool to be refused');
  assert.equal(peer.received.length, 20, 'none of those refused reached the bank');
  release();
  const all = await Promise.all(outcomes);
  assert.equal(all.filter((o) => o === '00').length, 20, 'the twenty at the bank answered');
  const refused = all.filter((o) => o !== '00');
  assert.equal(refused.length, TERMINALS - 20);
  // Its wait spent while every connection of the pool was held (said either way, by whichever timer came first).
  for (const o of refused) assert.match(o, /^ISO8583_ERR_CONNECTOR_QUEUE_TIMEOUT: .*waited too long for (a connection of the terminal lock: all 20 held|its terminal: terminalQueue\.timeout spent before a connection of the terminal lock came)/);
  assert.equal(peer.received.length, 20);
});

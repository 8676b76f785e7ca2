// A STAN the connector fills (`autoFill.stan`) is never one whose transaction it still holds for the terminal: after a
// restart, the reversals read back from the journal hold theirs until they end, and a counter that lands on one (or
// wraps round to one) passes over it, rather than having the new request refused as that transaction's duplicate
// (`DUPLICATE_KEY`, sent 'no': a false decline). Real sockets (a host that reads and never answers), a real journal
// folder; the counter's start is pinned through its internal option, not by pinning Math.random. Events, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import type { Connector, ConnectorOptions } from '../src/index.js';
import { STAN_START, StanCounter } from '../src/auto-fill.js';
import { purchase } from './peer.js';
import type { Peer } from './peer.js';
import { peerFor, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';

/** A purchase from TERM0001 with no STAN: the connector fills it. */
function noStan(): IsoMessage {
  const message = purchase('000000');
  delete message['11'];
  return message;
}

/** The STANs of the reversals `connector` queues, as they come (those read back at its start first). */
function queuedStans(connector: Connector): string[] {
  const stans: string[] = [];
  connector.on('reversal', (e) => {
    if (e.stage === 'queued') stans.push(e.stan ?? '');
  });
  return stans;
}

/** Resolves with the STAN of the next reversal `connector` queues that is not one of `known`. */
function nextQueued(connector: Connector, known: readonly string[]): Promise<string> {
  return eventWithin(10_000, 'no new reversal was queued within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'queued' && e.stan !== undefined && !known.includes(e.stan)) resolve(e.stan);
    }),
  );
}

/**
 * A host that reads every request and answers none, the options of a connector to it (STANs filled from 500000, reversal
 * on, a journal folder of the test's own), and a first run stopped with the reversals of its three purchases (STANs
 * 500000 to 500002) still under way, left in the journal.
 */
async function threeReversalsLeft(t: Parameters<typeof tempDir>[0]): Promise<{ peer: Peer; options: ConnectorOptions }> {
  const dir = tempDir(t, 'stan-held');
  const peer = await peerFor(t, () => undefined); // reads every request, answers none
  const options = {
    host: '127.0.0.1',
    port: peer.port,
    requestTimeout: 300,
    autoFill: { stan: true },
    reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 },
    [STAN_START]: 500_000,
  } as ConnectorOptions;
  // Three purchases in a row, each unanswered, so each is reversed; the host never answers the reversals either, and
  // they are still under way at the stop (left in the journal).
  const first = createConnector(options);
  t.after(() => first.destroy());
  const firstQueued = queuedStans(first);
  await first.connect();
  for (let i = 0; i < 3; i++) assert.equal((await failure(first.request(noStan()))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await first.close();
  assert.deepEqual(firstQueued.sort(), ['500000', '500001', '500002'], 'the counter started where pinned');
  return { peer, options };
}

test('after a restart, an auto-filled STAN passes over those whose reversals were read back from the journal', async (t) => {
  const { peer, options } = await threeReversalsLeft(t);
  // The restart lands on the same point: its counter's next three STANs are held by the reversals read back.
  const second = createConnector(options);
  t.after(() => second.destroy());
  const secondQueued = queuedStans(second);
  await second.connect();
  assert.deepEqual(secondQueued.sort(), ['500000', '500001', '500002'], 'the reversals were read back and are under way');
  const queued = nextQueued(second, secondQueued.slice());
  const err = await failure(second.request(noStan()));
  // Before the fix: ISO8583_ERR_CONNECTOR_DUPLICATE_KEY, sent 'no' (the host never saw it).
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT', `refused: ${err.code} ${err.message}`);
  assert.equal(await queued, '500003', 'the held STANs were passed over');
  // The counter stays past them: the next request takes the next STAN at once.
  const next = nextQueued(second, [...secondQueued, '500003']);
  assert.equal((await failure(second.request(noStan()))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal(await next, '500004');
  const sent = peer.received.filter((r) => r.message['0'] === '0200').map((r) => r.message['11']);
  assert.deepEqual(sent, ['500000', '500001', '500002', '500003', '500004'], 'no STAN went out twice as a purchase');
});

test('a request sent before the restart has read its journal gets no STAN a reversal read back from it holds', async (t) => {
  const { peer, options } = await threeReversalsLeft(t);
  const second = createConnector(options);
  t.after(() => second.destroy());
  const queued = nextQueued(second, ['500000', '500001', '500002']);
  // Sent at once, in the turn the connector is made: its start (the journal read) has not begun.
  const err = await failure(second.request(noStan()));
  // Before the fix: filled 500000 before the journal was read, then refused as that reversal's transaction
  // (ISO8583_ERR_CONNECTOR_DUPLICATE_KEY, sent 'no'): a false decline.
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT', `refused: ${err.code} ${err.message}`);
  assert.equal(await queued, '500003', 'the held STANs were passed over');
  const sent = peer.received.filter((r) => r.message['0'] === '0200').map((r) => r.message['11']);
  assert.deepEqual(sent, ['500000', '500001', '500002', '500003'], 'no STAN went out twice as a purchase');
});

test('the counter passes over held STANs for the message\'s terminal only, across its wrap, at most one round', () => {
  const held = new Set(['TERM0001/999999', 'TERM0001/000001', 'TERM0001/000002']);
  const counter = new StanCounter(999_998);
  counter.held = (m) => held.has(`${String(m['41'])}/${String(m['11'])}`);
  const fill = (terminal: string): unknown => {
    const out: Record<string, unknown> = { '41': terminal };
    counter.fill(out);
    return out['11'];
  };
  assert.equal(fill('TERM0001'), '999998');
  assert.equal(fill('TERM0001'), '000003', '999999, then 000001 and 000002 after the wrap, are held');
  assert.equal(fill('TERM0002'), '000004', 'another terminal holds none of them');
  // Every STAN held: one round is tried, and a STAN is still given (its request is then refused as a duplicate).
  let asked = 0;
  counter.held = () => {
    asked += 1;
    return true;
  };
  assert.equal(fill('TERM0001'), '000004');
  assert.equal(asked, 999_999, 'one full round, then it stops');
});
